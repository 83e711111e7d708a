import type { ToolRegistry } from '../types'
import { aiConfigureTool } from './ai-configure'
import { batchExecuteTool, callToolTool } from './call-tools'
import { configGetTool, configSetTool, providerSwitchTool } from './config-tools'
import type { BuiltinDeps } from './deps'
import { historySearchTool } from './history-search'
import { recallPrompt, summarizeConversationPrompt } from './prompts'
import { configResource, conversationTemplate, toolsResource } from './resources'
import { searchToolsTool } from './search-tools'

/** Registers Hearth's own tools, resources and prompts (one change notification for all). */
export function registerBuiltins(registry: ToolRegistry, deps: Omit<BuiltinDeps, 'registry'>): () => void {
  const all: BuiltinDeps = { ...deps, registry }
  return registry.batch(() => {
    const undo = [
      ...[aiConfigureTool, configGetTool, configSetTool, providerSwitchTool, historySearchTool, searchToolsTool, batchExecuteTool, callToolTool].map((make) =>
        registry.register(make(all)),
      ),
      registry.registerResource(configResource(all)),
      registry.registerResource(toolsResource(all)),
      registry.registerResourceTemplate(conversationTemplate(all)),
      registry.registerPrompt(summarizeConversationPrompt(registry)),
      registry.registerPrompt(recallPrompt()),
    ]
    return () => registry.batch(() => undo.forEach((u) => u()))
  })
}
