import { BadToolArguments } from './provider-errors'

/** Tool-call arguments as streamed by a model: empty means `{}`, anything but a JSON object is an error. */
export function parseArgs(tool: string, text: string): Record<string, unknown> {
  if (!text.trim()) return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new BadToolArguments(tool, err instanceof Error ? err.message : String(err))
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadToolArguments(tool, 'not a JSON object')
  return value as Record<string, unknown>
}
