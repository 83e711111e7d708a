import { eq, notInArray } from 'drizzle-orm'
import type { Db } from '../db/client'
import { deviceGroups, devices } from '../db/schema'
import type { Z2mDefinition, Z2mDevice, Z2mGroup } from './topics'

export type DeviceRow = typeof devices.$inferSelect
export type GroupRow = typeof deviceGroups.$inferSelect

/** Devices, groups and last known state in SQLite, so they outlive a restart with the broker down. */
export class ZigbeeRepo {
  constructor(private db: Db) {}

  devices(): DeviceRow[] {
    return this.db.select().from(devices).all()
  }

  groups(): GroupRow[] {
    return this.db.select().from(deviceGroups).all()
  }

  /**
   * Mirrors Zigbee2MQTT's list: new devices are added, known ones updated (keeping the room and
   * hidden flag set by hand, and the last state), devices no longer listed are removed.
   */
  syncDevices(list: Z2mDevice[], now = new Date()): void {
    this.db.transaction((tx) => {
      const ieees = list.map((d) => d.ieee_address)
      // A rename frees a friendly name another row may still hold; drop stale rows first.
      if (ieees.length) tx.delete(devices).where(notInArray(devices.ieee, ieees)).run()
      else tx.delete(devices).run()
      for (const d of list) {
        const definition: Z2mDefinition | null = d.definition ?? null
        const clash = tx.select({ ieee: devices.ieee }).from(devices).where(eq(devices.friendlyName, d.friendly_name)).get()
        if (clash && clash.ieee !== d.ieee_address) tx.delete(devices).where(eq(devices.ieee, clash.ieee)).run()
        tx.insert(devices)
          .values({ ieee: d.ieee_address, friendlyName: d.friendly_name, type: d.type, definition, updatedAt: now })
          .onConflictDoUpdate({ target: devices.ieee, set: { friendlyName: d.friendly_name, type: d.type, definition, updatedAt: now } })
          .run()
      }
    })
  }

  syncGroups(list: Z2mGroup[], now = new Date()): void {
    this.db.transaction((tx) => {
      tx.delete(deviceGroups).run()
      for (const g of list) {
        tx.insert(deviceGroups)
          .values({ id: g.id, friendlyName: g.friendly_name, members: g.members.map((m) => m.ieee_address), updatedAt: now })
          .run()
      }
    })
  }

  saveState(ieee: string, state: Record<string, unknown>, at: Date): void {
    this.db.update(devices).set({ state, stateAt: at }).where(eq(devices.ieee, ieee)).run()
  }

  saveAvailability(ieee: string, available: boolean): void {
    this.db.update(devices).set({ available }).where(eq(devices.ieee, ieee)).run()
  }

  update(ieee: string, patch: { room?: string | null; hidden?: boolean }): void {
    this.db.update(devices).set(patch).where(eq(devices.ieee, ieee)).run()
  }

  remove(ieee: string): void {
    this.db.delete(devices).where(eq(devices.ieee, ieee)).run()
  }
}
