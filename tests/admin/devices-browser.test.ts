import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { launchBrowser, loginThroughForm, type TestBrowser } from '../helpers/browser'
import { ADMIN_TOKEN } from '../helpers/hub'
import { startHome, until, type Home } from '../zigbee/home'

/** The devices page against mosquitto and the Zigbee2MQTT simulator: live state, controls, hiding. */
describe('devices page in a real browser', () => {
  let home: Home
  let b: TestBrowser
  beforeAll(async () => {
    home = await startHome()
    b = await launchBrowser()
    await loginThroughForm(b.page, home.hub.url, ADMIN_TOKEN)
  }, 30_000)
  afterAll(async () => {
    await b?.page.goto('about:blank')
    await b?.close()
    await home?.close()
  }, 15_000)

  const row = (name: string) => `tr[data-device="${name}"]`

  test('a state change reported by a device arrives live; the page switches and dims a lamp', async () => {
    // The event stream is subscribed before its response starts, so a report after it counts.
    const streaming = b.page.waitForResponse((r) => r.url().endsWith('/admin/devices/stream'), { timeout: 5000 })
    await b.page.goto(`${home.hub.url}/admin/devices`)
    expect(await b.page.textContent(`${row('living_room_lamp')} [data-state]`)).toBe('OFF')
    expect((await streaming).headers()['content-type']).toBe('text/event-stream')
    await home.sim.report('living_room_lamp', { state: 'ON', brightness: 77 })
    await b.page.waitForFunction((sel) => document.querySelector(`${sel} [data-state]`)?.textContent === 'ON', row('living_room_lamp'), { timeout: 5000 })
    expect(await b.page.textContent(`${row('living_room_lamp')} [data-detail]`)).toContain('brightness: 77')

    // Turn off from the page: the command goes over MQTT and the row shows the confirmed state.
    await b.page.click('button[aria-label="Turn living_room_lamp off"]')
    await until(() => home.sim.devices.get('living_room_lamp')?.state.state === 'OFF', 'lamp off')
    await b.page.waitForFunction((sel) => document.querySelector(`${sel} [data-state]`)?.textContent === 'OFF', row('living_room_lamp'), { timeout: 5000 })

    // Brightness from the slider.
    await b.page.locator('input[aria-label="Brightness of living_room_lamp"]').fill('200')
    await until(() => home.sim.devices.get('living_room_lamp')?.state.brightness === 200, 'lamp brightness')

    // Hide from the model, then show again.
    await b.page.click(`${row('living_room_lamp')} button[title^="Hidden devices"]`)
    await b.page.waitForSelector(`${row('living_room_lamp')} [role=status]`, { timeout: 5000 })
    expect(home.hub.services.zigbee.list({ includeHidden: true }).find((d) => d.name === 'living_room_lamp')?.hidden).toBe(true)

    // Move the lamp to another room from its row.
    await b.page.fill('input[aria-label="Room of living_room_lamp"]', 'study')
    await b.page.click(`${row('living_room_lamp')} form button[type=submit]`)
    await b.page.waitForSelector(`${row('living_room_lamp')} [role=status]`, { timeout: 5000 })
    expect(home.hub.services.zigbee.list({ includeHidden: true }).find((d) => d.name === 'living_room_lamp')?.room).toBe('study')
    expect(b.problems).toEqual([])
  }, 25_000)
})
