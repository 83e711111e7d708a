import type { LinkStatus, MqttLink } from '../../src/zigbee/link'

/** An in-memory MqttLink: the test plays the broker (`deliver`, `setStatus`) and reads what was sent. */
export class MemoryLink implements MqttLink {
  status: LinkStatus = 'connecting'
  error?: string
  readonly published: { topic: string; payload: string }[] = []
  readonly subscriptions = new Set<string>()
  /** Make the next publish fail, as a socket dying mid-command does. */
  failPublish = false
  private messageFns: ((topic: string, payload: Uint8Array) => void)[] = []
  private statusFns: ((s: LinkStatus, error?: string) => void)[] = []

  async connect(): Promise<void> {}
  async subscribe(topics: string[]): Promise<void> {
    for (const t of topics) this.subscriptions.add(t)
  }
  async unsubscribe(topics: string[]): Promise<void> {
    for (const t of topics) this.subscriptions.delete(t)
  }
  async publish(topic: string, payload: string): Promise<void> {
    if (this.failPublish) throw new Error('socket closed')
    this.published.push({ topic, payload })
  }
  onMessage(fn: (topic: string, payload: Uint8Array) => void): void {
    this.messageFns.push(fn)
  }
  onStatus(fn: (s: LinkStatus, error?: string) => void): void {
    this.statusFns.push(fn)
  }
  async end(): Promise<void> {
    this.status = 'down'
  }

  setStatus(status: LinkStatus): void {
    this.status = status
    for (const fn of this.statusFns) fn(status)
  }

  deliver(topic: string, payload: unknown): void {
    const bytes = new TextEncoder().encode(typeof payload === 'string' ? payload : JSON.stringify(payload))
    for (const fn of this.messageFns) fn(topic, bytes)
  }
}
