/**
 * The deterministic reading of an `ai_configure` request: what the tool falls back to when no
 * model answers (or answers nonsense). It knows a handful of phrasings well rather than many badly.
 */
export type ConfigureIntent =
  | { kind: 'param'; param: 'temperature' | 'max_tokens'; direction: 1 | -1 }
  | { kind: 'provider'; target: string }
  | { kind: 'reset' }

export type ParsedRequest = { intents: ConfigureIntent[]; confidence: number; interpretation: string }

const RULES: { re: RegExp; intent: ConfigureIntent; says: string }[] = [
  { re: /\b(reset|defaults?|undo (all|every)|start over|back to normal)\b/, intent: { kind: 'reset' }, says: 'drop the runtime overrides' },
  {
    re: /\b(more|be|get|sound)\s+(creative|imaginative|inventive|playful|random|varied|wild)\b|\bcreativ(e|ity) (up|more)|\bless (precise|predictable|boring)\b|\b(raise|increase|higher) (the )?temperature\b/,
    intent: { kind: 'param', param: 'temperature', direction: 1 },
    says: 'raise the temperature',
  },
  {
    re: /\b(more|be|stay)\s+(precise|focused|accurate|deterministic|factual|exact|consistent|predictable)\b|\bless (creative|random)\b|\b(lower|decrease|reduce) (the )?temperature\b/,
    intent: { kind: 'param', param: 'temperature', direction: -1 },
    says: 'lower the temperature',
  },
  {
    re: /\b(shorter|briefer|more concise|concise|less verbose|terse|brief)\b( answers?| replies| responses)?|\bkeep it short\b/,
    intent: { kind: 'param', param: 'max_tokens', direction: -1 },
    says: 'shorten the answers (max_tokens down)',
  },
  {
    re: /\b(longer|more detailed|more verbose|in more detail|elaborate)\b( answers?| replies| responses)?/,
    intent: { kind: 'param', param: 'max_tokens', direction: 1 },
    says: 'allow longer answers (max_tokens up)',
  },
]

/** Words that name a provider, mapped to what they point at: a provider kind or a local server. */
const PROVIDER_WORDS: [RegExp, string][] = [
  [/\b(claude|anthropic|sonnet|opus|haiku)\b/, 'anthropic'],
  [/\b(gemini|google)\b/, 'gemini'],
  [/\b(gpt[\w.-]*|openai|chatgpt)\b/, 'openai'],
  [/\b(ollama|llama|local model|local)\b/, 'ollama'],
  [/\b(lm ?studio)\b/, 'lmstudio'],
]
const SWITCH = /\b(use|switch( over)?( to)?|change( over)? to|go with|talk to|try|move to)\b/

export function parseConfigureRequest(request: string): ParsedRequest {
  const text = request.toLowerCase().replace(/\s+/g, ' ').trim()
  const intents: ConfigureIntent[] = []
  const says: string[] = []
  for (const rule of RULES) {
    if (rule.re.test(text) && !intents.some((i) => sameTarget(i, rule.intent))) {
      intents.push(rule.intent)
      says.push(rule.says)
    }
  }
  if (SWITCH.test(text) || /\bprovider\b/.test(text)) {
    for (const [re, target] of PROVIDER_WORDS) {
      if (re.test(text)) {
        intents.push({ kind: 'provider', target })
        says.push(`switch the provider to ${target}`)
        break
      }
    }
  }
  if (intents.some((i) => i.kind === 'reset')) {
    return { intents: [{ kind: 'reset' }], confidence: 0.9, interpretation: 'Drop the runtime overrides' }
  }
  if (intents.length === 0) return { intents, confidence: 0, interpretation: 'No setting recognised in the request' }
  const interpretation = says.join(', ')
  return { intents, confidence: intents.length === 1 ? 0.8 : 0.7, interpretation: interpretation[0]!.toUpperCase() + interpretation.slice(1) }
}

function sameTarget(a: ConfigureIntent, b: ConfigureIntent): boolean {
  return a.kind === 'param' && b.kind === 'param' ? a.param === b.param : a.kind === b.kind && a.kind !== 'param'
}
