// `imagewright block-device getval SYMBOL`: the answers disk-image-create asks dib-block-device
// for. Four come from the config (known after init), three from the devices (known after create).
import { UsageError } from '../../errors.ts'
import { getBootLabel, getMountPoints, getRootFsType, getRootLabel } from '../config/getval.ts'
import type { BlockDevicePlan } from '../config/plan.ts'
import type { SavedState } from './state-file.ts'

export const CONFIG_SYMBOLS = ['root-label', 'root-fstype', 'boot-label', 'mount-points'] as const
export const STATE_SYMBOLS = ['image-path', 'image-block-device', 'image-block-devices'] as const

export type ConfigSymbol = (typeof CONFIG_SYMBOLS)[number]
export type StateSymbol = (typeof STATE_SYMBOLS)[number]
export type GetvalSymbol = ConfigSymbol | StateSymbol

/** The symbol, or a UsageError listing the ones there are. */
export function parseGetvalSymbol(symbol: string): GetvalSymbol {
  const known: readonly string[] = [...CONFIG_SYMBOLS, ...STATE_SYMBOLS]
  if (known.includes(symbol)) return symbol as GetvalSymbol
  throw new UsageError(`Cannot get "${symbol}": unknown symbol`, {
    hint: `Use one of ${known.map((name) => `"${name}"`).join(', ')}`,
  })
}

export function isStateSymbol(symbol: GetvalSymbol): symbol is StateSymbol {
  return (STATE_SYMBOLS as readonly string[]).includes(symbol)
}

export function describeConfigValue(symbol: ConfigSymbol, plan: BlockDevicePlan): string {
  switch (symbol) {
    case 'root-label':
      return getRootLabel(plan) ?? ''
    case 'root-fstype':
      return getRootFsType(plan) ?? ''
    case 'boot-label':
      return getBootLabel(plan)
    case 'mount-points':
      return getMountPoints(plan).join('|')
  }
}

export function describeStateValue(symbol: StateSymbol, state: SavedState): string {
  switch (symbol) {
    case 'image-path':
      return state.imagePath
    case 'image-block-device':
      return state.imageBlockDevice
    case 'image-block-devices':
      // The form DIB's scripts eval into a bash associative array.
      return formatImageBlockDevices(state.devices)
  }
}

export function formatImageBlockDevices(devices: Readonly<Record<string, string>>): string {
  return Object.entries(devices)
    .map(([name, device]) => ` [${name}]=${device}`)
    .join('')
}
