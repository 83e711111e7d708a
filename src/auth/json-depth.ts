/** Far deeper than any real body (tool arguments, chat frames); far shallower than a stack. */
export const MAX_JSON_DEPTH = 64

/**
 * Whether JSON text nests objects/arrays deeper than `max`, found by one linear scan (no parse, no
 * recursion). Validators recurse over parsed values, so a 100,000-level document must be refused
 * before anything walks it.
 */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) {
      if (++depth > max) return true
    } else if (c === 125 || c === 93) depth--
  }
  return false
}
