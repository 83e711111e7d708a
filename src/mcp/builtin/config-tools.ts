import { t } from 'elysia'
import { JsonValue } from './schema'
import { flatten, getPath, redactConfigValue } from '../../core/config'
import { errorMessage } from '../../core/errors'
import { errorResult, jsonResult, type ToolDefinition } from '../types'
import { activeProvider, type BuiltinDeps } from './deps'

const Change = t.Object({ key: t.String(), from: JsonValue(), to: JsonValue() })
const redactChanges = (changes: { key: string; from: unknown; to: unknown }[]) =>
  changes.map((c) => ({ key: c.key, from: redactConfigValue(c.key, c.from), to: redactConfigValue(c.key, c.to) }))

export function configGetTool({ config }: BuiltinDeps): ToolDefinition {
  return {
    name: 'config_get',
    title: 'Read the configuration',
    description: 'Read the effective configuration: one dotted key ("chat.max_tool_hops") or every key under a prefix ("providers"). Secrets are shown as ***.',
    inputSchema: t.Object({ key: t.Optional(t.String({ description: 'A dotted key or prefix; omit for everything' })) }),
    outputSchema: t.Object({ entries: t.Array(t.Object({ key: t.String(), value: JsonValue(), source: t.String() })) }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    source: 'builtin',
    keywords: ['settings', 'config', 'configuration'],
    handler(args) {
      const key = args.key as string | undefined
      if (!key) return jsonResult({ entries: config.entries() })
      // Only the asked-for subtree is walked: reading one key must not cost a flatten of everything.
      const value = getPath(config.current, key)
      if (value === undefined) return errorResult(`no config key "${key}"`)
      const entries = Object.entries(flatten(value, key)).map(([k, v]) => ({ key: k, value: redactConfigValue(k, v), source: config.sourceOf(k) }))
      return jsonResult({ entries })
    },
  }
}

export function configSetTool({ config }: BuiltinDeps): ToolDefinition {
  return {
    name: 'config_set',
    title: 'Change a setting',
    description:
      'Set a runtime override of one dotted config key ("providers.openai.temperature" to 0.3). Validated against the whole configuration; null removes the override. Returns what changed, from → to.',
    inputSchema: t.Object({ key: t.String({ minLength: 1 }), value: JsonValue({ description: 'The new value (JSON); null drops the override' }) }, { required: ['key', 'value'] }),
    outputSchema: t.Object({ changes: t.Array(Change) }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    source: 'builtin',
    keywords: ['settings', 'config', 'configuration', 'override'],
    handler(args) {
      const key = String(args.key)
      try {
        const changes = args.value === null ? config.unset(key) : config.set(key, args.value)
        return jsonResult({ changes: redactChanges(changes) })
      } catch (err) {
        return errorResult(`config_set ${key}: ${errorMessage(err)}`)
      }
    },
  }
}

export function providerSwitchTool(deps: BuiltinDeps): ToolDefinition {
  const { config, providers } = deps
  return {
    name: 'provider_switch',
    title: 'Switch the AI provider',
    description: 'Make a configured provider (and optionally a model) the one chats use. Lists the configured providers when the name is unknown.',
    inputSchema: t.Object({ provider: t.String({ minLength: 1 }), model: t.Optional(t.String({ minLength: 1 })) }),
    outputSchema: t.Object({ from: t.Union([t.String(), t.Null()]), to: t.String(), model: t.String() }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    source: 'builtin',
    keywords: ['provider', 'model', 'switch', 'claude', 'openai', 'gemini', 'ollama'],
    handler(args) {
      const name = String(args.provider)
      const model = args.model as string | undefined
      const configured = config.current.providers
      if (!configured[name]) return errorResult(`no provider "${name}"; configured: ${Object.keys(configured).join(', ') || 'none'}`)
      const from = activeProvider(deps)
      try {
        if (providers) providers.use(name, model)
        else config.setMany({ 'chat.provider': name, ...(model ? { [`providers.${name}.model`]: model } : {}) })
      } catch (err) {
        return errorResult(`provider_switch: ${errorMessage(err)}`)
      }
      return jsonResult({ from, to: name, model: model ?? String(getPath(config.current, `providers.${name}.model`)) })
    },
  }
}
