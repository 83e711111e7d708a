import type { PromptDefinition, ToolRegistry } from '../types'

/** `summarize_conversation {conversation_id}`: the conversation embedded, with the ask. */
export function summarizeConversationPrompt(registry: ToolRegistry): PromptDefinition {
  return {
    name: 'summarize_conversation',
    title: 'Summarize a conversation',
    description: 'Summarize a past conversation: its topics, decisions and open questions.',
    arguments: [{ name: 'conversation_id', description: 'The conversation to summarize', required: true }],
    source: 'builtin',
    async get(args, ctx) {
      const uri = `hearth://conversations/${encodeURIComponent(args.conversation_id!)}`
      const [contents] = await registry.readResource(uri, ctx)
      return {
        description: 'Summarize a conversation',
        messages: [
          { role: 'user', content: { type: 'resource', resource: { uri, mimeType: 'application/json', text: contents?.text ?? '' } } },
          { role: 'user', content: { type: 'text', text: 'Summarize the conversation above in a few bullet points: topics, decisions, open questions.' } },
        ],
      }
    },
  }
}

/** `recall {topic}`: asks the model to look through history with history_search before answering. */
export function recallPrompt(): PromptDefinition {
  return {
    name: 'recall',
    title: 'Recall from past conversations',
    description: 'Answer a question using what was said in earlier conversations.',
    arguments: [{ name: 'topic', description: 'What to recall', required: true }],
    source: 'builtin',
    async get(args) {
      return {
        messages: [
          {
            role: 'user',
            content: {
              type: 'text',
              text: `Use the history_search tool to find what we discussed about "${args.topic}" in earlier conversations, then answer with what you found and where (conversation ids).`,
            },
          },
        ],
      }
    },
  }
}
