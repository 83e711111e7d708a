/** Short random ids for conversations, messages and tokens (URL-safe, 96 bits). */
export function newId(prefix = ''): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  return prefix + Buffer.from(bytes).toString('base64url')
}
