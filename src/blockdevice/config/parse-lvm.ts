// An lvm entry becomes a driver node plus one node per PV, VG and LV (DIB's layout).
import * as v from 'valibot'
import type { ConfigEntry } from './config-entries.ts'
import { failAt, fieldsOf, readFields } from './config-fields.ts'
import { originAt, type ConfigOrigin } from './config-source.ts'
import type { LvmNode, LvNode, PvNode, VgNode } from './node-types.ts'

/** LVM sizes are whole physical extents; DIB rounds down to the default 4 MiB extent. */
export const PHYSICAL_EXTENT_BYTES = 4 * 1024 * 1024

export type LvmNodes = [LvmNode, ...(PvNode | VgNode | LvNode)[]]

type ItemReader<T> = (item: unknown, origin: ConfigOrigin, what: string) => T

export function parseLvm(
  entry: ConfigEntry,
  nextIndex: () => number,
  warnings: string[],
): LvmNodes {
  const f = fieldsOf('lvm')
  const given = readFields(
    entry.config,
    entry.origin,
    'lvm',
    {
      name: f.string('name'),
      // Known to DIB, read by nothing: the PVs name their bases.
      base: v.unknown(),
      pvs: f.list('pvs'),
      vgs: f.list('vgs'),
      lvs: f.list('lvs'),
    },
    warnings,
  )
  const lvm = given.name
  const read = <T>(key: 'pvs' | 'vgs' | 'lvs', parse: ItemReader<T>): T[] =>
    given[key].map((item, position) =>
      parse(
        item,
        originAt(entry.origin, key, position),
        `${key} item ${position + 1} of lvm "${lvm}"`,
      ),
    )
  const driverIndex = nextIndex()
  const pvs = read('pvs', (item, origin, what): PvNode => {
    const pv = fieldsOf(what)
    const fields = {
      name: pv.string('name'),
      base: pv.string('base', 'the partition or device to use'),
      options: pv.optionalStringList('options'),
    }
    const { name, base, options } = readFields(item, origin, what, fields, warnings)
    return { kind: 'pv', name, index: nextIndex(), origin, base, lvm, options: options ?? [] }
  })
  const vgs = read('vgs', (item, origin, what): VgNode => {
    const vg = fieldsOf(what)
    const fields = {
      // One PV name, or a list of them.
      base:
        typeof (item as Record<string, unknown> | undefined)?.['base'] === 'string'
          ? v.pipe(
              vg.string('base'),
              v.transform((pv): readonly string[] => [pv]),
            )
          : vg.optionalStringList('base'),
      name: vg.string('name'),
      options: vg.optionalStringList('options'),
    }
    const given = readFields(item, origin, what, fields, warnings)
    const pvs = given.base ?? []
    if (pvs.length === 0)
      failAt(origin, undefined, 'Cannot read a volume group: key "base" must list its PV names')
    const { name, options } = given
    return { kind: 'vg', name, index: nextIndex(), origin, pvs, lvm, options: options ?? [] }
  })
  const lvs = read('lvs', (item, origin, what) =>
    parseLv(item, origin, what, lvm, nextIndex(), warnings),
  )
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

function parseLv(
  item: unknown,
  origin: ConfigOrigin,
  what: string,
  lvm: string,
  index: number,
  warnings: string[],
): LvNode {
  const f = fieldsOf(what)
  const fields = {
    name: f.string('name'),
    type: f.optionalString('type'),
    'thin-pool': f.optionalString('thin-pool'),
    extents: f.optionalText('extents'),
    size: f.optionalSize('size'),
    base: f.string('base', 'the volume group'),
    options: f.optionalStringList('options'),
  }
  const given = readFields(item, origin, what, fields, warnings)
  const { name, type, extents, 'thin-pool': thinPool } = given
  if (type !== undefined && type !== 'thin' && type !== 'thin-pool') {
    failAt(
      origin,
      'type',
      `Cannot use type "${type}" for logical volume "${name}": use "thin-pool" or "thin"`,
    )
  }
  if (type === 'thin' && thinPool === undefined) {
    failAt(
      origin,
      undefined,
      `Cannot read logical volume "${name}": a thin volume needs "thin-pool" naming its pool`,
    )
  }
  if (type !== 'thin' && thinPool !== undefined) {
    failAt(
      origin,
      'thin-pool',
      `Cannot use "thin-pool" on logical volume "${name}": only volumes of type "thin" have a pool`,
    )
  }
  if ((given.size === undefined) === (extents === undefined)) {
    failAt(
      origin,
      undefined,
      `Cannot read logical volume "${name}": give exactly one of "size" or "extents"`,
    )
  }
  const size =
    given.size === undefined ? undefined : given.size - (given.size % PHYSICAL_EXTENT_BYTES)
  if (size === 0) {
    const written = String((item as Record<string, unknown>)['size'])
    failAt(
      origin,
      'size',
      `Cannot use size "${written}" for logical volume "${name}": it is smaller than one 4 MiB extent`,
    )
  }
  return {
    kind: 'lv',
    name,
    index,
    origin,
    base: given.base,
    lvm,
    size,
    extents,
    type,
    thinPool,
    options: given.options ?? [],
  }
}
