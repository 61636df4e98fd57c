// An lvm entry becomes a driver node plus one node per PV, VG and LV (DIB's layout).
import type { ConfigEntry } from './config-entries.ts'
import { FieldReader } from './config-fields.ts'
import { originAt } from './config-source.ts'
import type { LvmNode, LvNode, PvNode, VgNode } from './node-types.ts'

const LVM_KEYS = ['name', 'base', 'pvs', 'vgs', 'lvs']
const PV_KEYS = ['name', 'base', 'options']
const VG_KEYS = ['name', 'base', 'options']
const LV_KEYS = ['name', 'base', 'size', 'extents', 'options', 'type', 'thin-pool']

/** LVM sizes are whole physical extents; DIB rounds down to the default 4 MiB extent. */
export const PHYSICAL_EXTENT_BYTES = 4 * 1024 * 1024

export type LvmNodes = [LvmNode, ...(PvNode | VgNode | LvNode)[]]

export function parseLvm(
  entry: ConfigEntry,
  nextIndex: () => number,
  warnings: string[],
): LvmNodes {
  const reader = new FieldReader(entry.config, entry.origin, 'lvm')
  reader.warnUnknown(LVM_KEYS, warnings)
  const lvm = reader.string('name')
  const read = <T>(key: string, parse: (item: FieldReader) => T): T[] =>
    reader.list(key).map((item, position) => {
      const itemReader = new FieldReader(
        item,
        originAt(entry.origin, key, position),
        `${key} item ${position + 1} of lvm "${lvm}"`,
      )
      return parse(itemReader)
    })
  const driverIndex = nextIndex()
  const pvs = read('pvs', (item: FieldReader): PvNode => {
    item.warnUnknown(PV_KEYS, warnings)
    return {
      kind: 'pv',
      name: item.string('name'),
      index: nextIndex(),
      origin: item.origin,
      base: item.string('base', 'the partition or device to use'),
      lvm,
      options: item.optionalStringList('options') ?? [],
    }
  })
  const vgs = read('vgs', (item: FieldReader): VgNode => {
    item.warnUnknown(VG_KEYS, warnings)
    const base =
      item.has('base') && typeof item.config['base'] === 'string'
        ? [item.string('base')]
        : item.optionalStringList('base')
    if (base === undefined || base.length === 0)
      item.fail(undefined, 'Cannot read a volume group: key "base" must list its PV names')
    return {
      kind: 'vg',
      name: item.string('name'),
      index: nextIndex(),
      origin: item.origin,
      pvs: base,
      lvm,
      options: item.optionalStringList('options') ?? [],
    }
  })
  const lvs = read('lvs', (item: FieldReader) => parseLv(item, lvm, nextIndex(), warnings))
  const driver: LvmNode = {
    kind: 'lvm',
    name: lvm,
    index: driverIndex,
    origin: entry.origin,
    pvs: pvs.map((pv) => pv.name),
    vgs: vgs.map((vg) => vg.name),
    lvs: lvs.map((lv) => lv.name),
  }
  return [driver, ...pvs, ...vgs, ...lvs]
}

function parseLv(item: FieldReader, lvm: string, index: number, warnings: string[]): LvNode {
  item.warnUnknown(LV_KEYS, warnings)
  const name = item.string('name')
  const type = item.optionalString('type')
  if (type !== undefined && type !== 'thin' && type !== 'thin-pool') {
    item.fail(
      'type',
      `Cannot use type "${type}" for logical volume "${name}": use "thin-pool" or "thin"`,
    )
  }
  const thinPool = item.optionalString('thin-pool')
  if (type === 'thin' && thinPool === undefined) {
    item.fail(
      undefined,
      `Cannot read logical volume "${name}": a thin volume needs "thin-pool" naming its pool`,
    )
  }
  if (type !== 'thin' && thinPool !== undefined) {
    item.fail(
      'thin-pool',
      `Cannot use "thin-pool" on logical volume "${name}": only volumes of type "thin" have a pool`,
    )
  }
  const extents = item.optionalText('extents')
  const rawSize = item.optionalSize('size')
  if ((rawSize === undefined) === (extents === undefined)) {
    item.fail(
      undefined,
      `Cannot read logical volume "${name}": give exactly one of "size" or "extents"`,
    )
  }
  const size = rawSize === undefined ? undefined : rawSize - (rawSize % PHYSICAL_EXTENT_BYTES)
  if (size === 0) {
    item.fail(
      'size',
      `Cannot use size "${String(item.config['size'])}" for logical volume "${name}": it is smaller than one 4 MiB extent`,
    )
  }
  return {
    kind: 'lv',
    name,
    index,
    origin: item.origin,
    base: item.string('base', 'the volume group'),
    lvm,
    size,
    extents,
    type,
    thinPool,
    options: item.optionalStringList('options') ?? [],
  }
}
