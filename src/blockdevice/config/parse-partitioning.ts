// A partitioning entry becomes one PartitionTable plus one node per partition.
import * as v from 'valibot'
import { Problem, reads } from '../../util/positions.ts'
import { parseSize } from '../../util/size.ts'
import type { ConfigEntry } from './config-entries.ts'
import { failAt, fieldsOf, readFields, type Field } from './config-fields.ts'
import { originAt, type ConfigOrigin } from './config-source.ts'
import type { PartitionLabel, PartitionNode, PartitionTable } from './node-types.ts'

const FLAGS = ['boot', 'primary'] as const
const DEFAULT_ALIGN = parseSize('1MiB')

export function parsePartitioning(
  entry: ConfigEntry,
  nextIndex: () => number,
  warnings: string[],
): { table: PartitionTable; partitions: PartitionNode[] } {
  const f = fieldsOf('partitioning')
  const label: Field<PartitionLabel> = v.pipe(
    f.string('label', 'mbr or gpt'),
    v.picklist(
      ['mbr', 'gpt'],
      (issue) => `Cannot use partition table label "${String(issue.input)}": use "mbr" or "gpt"`,
    ),
  )
  const given = readFields(
    entry.config,
    entry.origin,
    'partitioning',
    {
      base: f.string('base', 'the local_loop node to partition'),
      label,
      name: f.optionalString('name'),
      align: f.optionalSize('align'),
      partitions: f.list('partitions'),
    },
    warnings,
  )
  const name = given.name ?? `partitioning_${given.base}`
  if (given.label === 'gpt' && given.align !== undefined) {
    warnings.push(
      `${entry.origin.source.where([...entry.origin.path, 'align'])}: Ignoring "align" of partitioning "${name}": sgdisk aligns GPT partitions itself`,
    )
  }
  const align = given.align ?? DEFAULT_ALIGN
  if (align < 512 || align % 512 !== 0) {
    failAt(
      entry.origin,
      'align',
      `Cannot use align "${String((entry.config as Record<string, unknown>)['align'])}" of partitioning "${name}": it must be a multiple of 512 bytes`,
    )
  }
  // Every partition's name first: a table lists them all, and each partition refers to its table.
  const names = given.partitions.map((item, position) => {
    const what = `partition ${position + 1} of "${name}"`
    const origin = originAt(entry.origin, 'partitions', position)
    return readFields(item, origin, what, { name: fieldsOf(what).string('name') }, []).name
  })
  const table: PartitionTable = {
    name,
    base: given.base,
    label: given.label,
    align,
    partitions: names,
    origin: entry.origin,
  }
  const partitions = given.partitions.map((item, position) =>
    parsePartition(item, position, table, nextIndex(), warnings),
  )
  return { table, partitions }
}

function parsePartition(
  item: unknown,
  position: number,
  table: PartitionTable,
  index: number,
  warnings: string[],
): PartitionNode {
  const origin = originAt(table.origin, 'partitions', position)
  const name = table.partitions[position] ?? ''
  const what = `partition "${name}"`
  const f = fieldsOf(what)
  const flags = v.pipe(
    f.optionalStringList('flags'),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return
      for (const flag of dataset.value ?? []) {
        if ((FLAGS as readonly string[]).includes(flag)) continue
        addIssue({
          message: `Cannot use flag "${flag}" on partition "${name}": known flags are ${FLAGS.join(', ')}`,
        })
        return
      }
    }),
  )
  const given = readFields(
    item,
    origin,
    what,
    {
      name: f.string('name'),
      base: f.optionalString('base'),
      flags,
      size: f.sizeOrPercent('size'),
      type: typeOf(origin, table.label, name),
    },
    warnings,
  )
  const primary = given.flags?.includes('primary') ?? false
  if (primary && table.label === 'gpt') {
    failAt(
      origin,
      'flags',
      `Cannot use flag "primary" on partition "${name}": GPT has no primary or logical partitions, remove the flag`,
    )
  }
  return {
    kind: 'partition',
    name,
    index,
    origin,
    // Checked against the table's base by the graph rules, after duplicate names (as DIB does).
    base: given.base ?? table.base,
    table,
    position,
    size: given.size,
    boot: given.flags?.includes('boot') ?? false,
    primary,
    type: given.type,
  }
}

const MBR_TYPE = /^(0x)?[0-9a-f]{1,4}$/i
const GPT_CODE = /^[0-9a-f]{4}$/i
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

// Unquoted YAML turns 0x83 into 131 and 8300 into a decimal number: read both back as the hex
// the user wrote. Whether an MBR type fits in a byte is checked when the table is laid out, so
// configs written for GPT-like codes on MBR (as in DIB's own tests) still parse.
function typeOf(
  origin: ConfigOrigin,
  label: PartitionLabel,
  name: string,
): Field<string | undefined> {
  return reads((value): string | undefined | Problem => {
    if (value === undefined || value === null) return undefined
    let text: string
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
      text =
        origin.source.formatOf([...origin.path, 'type']) === 'HEX'
          ? `0x${value.toString(16)}`
          : String(value)
    } else if (typeof value === 'string') {
      text = value.trim()
    } else {
      return new Problem(
        `Cannot read the type of partition "${name}": write it as a hex string such as "0x83" or "8300"`,
      )
    }
    const valid = label === 'mbr' ? MBR_TYPE.test(text) : GPT_CODE.test(text) || GUID.test(text)
    if (valid) return text
    const example =
      label === 'mbr' ? 'a hex byte such as "0x83"' : 'an sgdisk code such as "8300" or a type GUID'
    return new Problem(
      `Cannot use type "${text}" for ${label.toUpperCase()} partition "${name}": expected ${example}`,
    )
  })
}
