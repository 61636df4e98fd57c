// LVM command lines, as DIB's lvm plugin runs them. Building needs device-mapper, which not
// every build host has; the argv builders stay pure so plans can show them anyway.
import type { LvNode } from '../config/node-types.ts'

export function buildPvcreateArgv(
  device: string,
  options: readonly string[],
): [string, ...string[]] {
  return ['pvcreate', device, ...options]
}

export function buildVgcreateArgv(
  name: string,
  pvDevices: readonly string[],
  options: readonly string[],
): [string, ...string[]] {
  return ['vgcreate', name, ...pvDevices, ...options]
}

/** Thin volumes get a virtual size (-V), everything else a real one (-L), both in bytes. */
export function buildLvcreateArgv(lv: LvNode): [string, ...string[]] {
  const argv: [string, ...string[]] = ['lvcreate', '--name', lv.name]
  if (lv.type !== undefined) argv.push('--type', lv.type)
  if (lv.thinPool !== undefined) argv.push('--thin-pool', lv.thinPool)
  if (lv.size !== undefined) argv.push(lv.type === 'thin' ? '-V' : '-L', `${lv.size}B`)
  else if (lv.extents !== undefined) argv.push('-l', lv.extents)
  argv.push(...lv.options, lv.base)
  return argv
}

export function buildVgDeactivateArgv(vg: string): [string, ...string[]] {
  return ['vgchange', '-an', vg]
}

/** device-mapper's name for an LV: dashes inside names are doubled. */
export function lvDevicePath(vg: string, lv: string): string {
  const escape = (name: string): string => name.replaceAll('-', '--')
  return `/dev/mapper/${escape(vg)}-${escape(lv)}`
}
