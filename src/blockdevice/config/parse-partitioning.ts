// A partitioning entry becomes one PartitionTable plus one node per partition.
import { parseSize } from '../../util/size.ts'
import type { ConfigEntry } from './config-entries.ts'
import { FieldReader } from './config-fields.ts'
import { originAt } from './config-source.ts'
import type { PartitionLabel, PartitionNode, PartitionTable } from './node-types.ts'

const PARTITIONING_KEYS = ['name', 'base', 'label', 'align', 'partitions']
const PARTITION_KEYS = ['name', 'base', 'size', 'flags', 'type']
const FLAGS = ['boot', 'primary'] as const
const DEFAULT_ALIGN = parseSize('1MiB')

export function parsePartitioning(
  entry: ConfigEntry,
  nextIndex: () => number,
  warnings: string[],
): { table: PartitionTable; partitions: PartitionNode[] } {
  const reader = new FieldReader(entry.config, entry.origin, 'partitioning')
  reader.warnUnknown(PARTITIONING_KEYS, warnings)
  const base = reader.string('base', 'the local_loop node to partition')
  const label = readLabel(reader)
  const name = reader.optionalString('name') ?? `partitioning_${base}`
  if (label === 'gpt' && reader.has('align')) {
    warnings.push(
      `${entry.origin.source.where([...entry.origin.path, 'align'])}: Ignoring "align" of partitioning "${name}": sgdisk aligns GPT partitions itself`,
    )
  }
  const align = reader.optionalSize('align') ?? DEFAULT_ALIGN
  if (align < 512 || align % 512 !== 0) {
    reader.fail(
      'align',
      `Cannot use align "${String(reader.config['align'])}" of partitioning "${name}": it must be a multiple of 512 bytes`,
    )
  }
  const items = reader.list('partitions')
  const names = items.map((item, position) => {
    const itemReader = new FieldReader(
      item,
      originAt(entry.origin, 'partitions', position),
      `partition ${position + 1} of "${name}"`,
    )
    return itemReader.string('name')
  })
  const table: PartitionTable = {
    name,
    base,
    label,
    align,
    partitions: names,
    origin: entry.origin,
  }
  const partitions = items.map((item, position) =>
    parsePartition(item, position, table, nextIndex(), warnings),
  )
  return { table, partitions }
}

function readLabel(reader: FieldReader): PartitionLabel {
  const label = reader.string('label', 'mbr or gpt')
  if (label !== 'mbr' && label !== 'gpt') {
    reader.fail('label', `Cannot use partition table label "${label}": use "mbr" or "gpt"`)
  }
  return label
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
  const reader = new FieldReader(item, origin, `partition "${name}"`)
  reader.warnUnknown(PARTITION_KEYS, warnings)
  // Checked against the table's base by the graph rules, after duplicate names (as DIB does).
  const base = reader.optionalString('base') ?? table.base
  const flags = reader.optionalStringList('flags') ?? []
  for (const flag of flags) {
    if (!(FLAGS as readonly string[]).includes(flag)) {
      reader.fail(
        'flags',
        `Cannot use flag "${flag}" on partition "${name}": known flags are ${FLAGS.join(', ')}`,
      )
    }
  }
  const primary = flags.includes('primary')
  if (primary && table.label === 'gpt') {
    reader.fail(
      'flags',
      `Cannot use flag "primary" on partition "${name}": GPT has no primary or logical partitions, remove the flag`,
    )
  }
  return {
    kind: 'partition',
    name,
    index,
    origin,
    base,
    table,
    position,
    size: reader.sizeOrPercent('size'),
    boot: flags.includes('boot'),
    primary,
    type: readType(reader, table.label, name),
  }
}

const MBR_TYPE = /^(0x)?[0-9a-f]{1,4}$/i
const GPT_CODE = /^[0-9a-f]{4}$/i
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

// Unquoted YAML turns 0x83 into 131 and 8300 into a decimal number: read both back as the hex
// the user wrote. Whether an MBR type fits in a byte is checked when the table is laid out, so
// configs written for GPT-like codes on MBR (as in DIB's own tests) still parse.
function readType(reader: FieldReader, label: PartitionLabel, name: string): string | undefined {
  const value = reader.config['type']
  if (value === undefined || value === null) return undefined
  let text: string
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
    text =
      reader.origin.source.formatOf([...reader.origin.path, 'type']) === 'HEX'
        ? `0x${value.toString(16)}`
        : String(value)
  } else if (typeof value === 'string') {
    text = value.trim()
  } else {
    reader.fail(
      'type',
      `Cannot read the type of partition "${name}": write it as a hex string such as "0x83" or "8300"`,
    )
  }
  const valid = label === 'mbr' ? MBR_TYPE.test(text) : GPT_CODE.test(text) || GUID.test(text)
  if (!valid) {
    const example =
      label === 'mbr' ? 'a hex byte such as "0x83"' : 'an sgdisk code such as "8300" or a type GUID'
    reader.fail(
      'type',
      `Cannot use type "${text}" for ${label.toUpperCase()} partition "${name}": expected ${example}`,
    )
  }
  return text
}
