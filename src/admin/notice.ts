import { HearthError } from '../core/errors'
import { html, type Safe } from './html'

export type Notice = { ok: boolean; text: string } | null

/**
 * Runs a panel action and turns a user-facing failure (4xx) into a message shown next to the form,
 * so the page around it stays intact; anything else is a real fault and goes to the error mapper.
 */
export async function attempt(fn: () => unknown, success: string): Promise<Notice> {
  try {
    await fn()
    return { ok: true, text: success }
  } catch (err) {
    if (err instanceof HearthError && err.status < 500) return { ok: false, text: err.message }
    throw err
  }
}

export const notice = (n: Notice): Safe =>
  n ? html`<p class="${n.ok ? 'notice' : 'error'}" role="${n.ok ? 'status' : 'alert'}">${n.text}</p>` : html``

/** The card a page shows when the feature behind it is not part of this build. */
export const unavailable = (what: string, feature: string): Safe =>
  html`<section class="card unavailable" role="note"><h2>Not available</h2><p>${what} needs the ${feature} feature, which this hub does not include yet.</p></section>`
