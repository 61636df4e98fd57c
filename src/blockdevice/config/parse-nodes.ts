// Stage three: each graph-notation entry to typed nodes, checking each key's type and syntax.
import type { ConfigEntry } from './config-entries.ts'
import { FieldReader } from './config-fields.ts'
import type {
  DraftNode,
  FstabNode,
  LocalLoopNode,
  MkfsDraft,
  MountNode,
  PartitionTable,
} from './node-types.ts'
import { parseLvm } from './parse-lvm.ts'
import { parsePartitioning } from './parse-partitioning.ts'
import { SECTOR_SIZES, isSectorSize, type SectorSize } from '../../util/sector-size.ts'

export interface ParsedConfig {
  readonly nodes: readonly DraftNode[]
  readonly tables: readonly PartitionTable[]
  readonly warnings: readonly string[]
}

const LOCAL_LOOP_KEYS = ['name', 'size', 'directory', 'block_size']
const MKFS_KEYS = ['name', 'base', 'type', 'label', 'opts', 'uuid']
const MOUNT_KEYS = ['name', 'base', 'mount_point']
const FSTAB_KEYS = ['name', 'base', 'options', 'dump-freq', 'fsck-passno']

export function parseNodes(entries: readonly ConfigEntry[]): ParsedConfig {
  const warnings: string[] = []
  const nodes: DraftNode[] = []
  const tables: PartitionTable[] = []
  let counter = 0
  const nextIndex = (): number => counter++
  for (const entry of entries) {
    switch (entry.plugin) {
      case 'local_loop':
        nodes.push(parseLocalLoop(entry, nextIndex(), warnings))
        break
      case 'partitioning': {
        const { table, partitions } = parsePartitioning(entry, nextIndex, warnings)
        tables.push(table)
        nodes.push(...partitions)
        break
      }
      case 'lvm':
        nodes.push(...parseLvm(entry, nextIndex, warnings))
        break
      case 'mkfs':
        nodes.push(parseMkfs(entry, nextIndex(), warnings))
        break
      case 'mount':
        nodes.push(parseMount(entry, nextIndex(), warnings))
        break
      case 'fstab':
        nodes.push(parseFstab(entry, nextIndex(), warnings))
        break
    }
  }
  return { nodes, tables, warnings }
}

function parseLocalLoop(entry: ConfigEntry, index: number, warnings: string[]): LocalLoopNode {
  const reader = new FieldReader(entry.config, entry.origin, 'local_loop')
  reader.warnUnknown(LOCAL_LOOP_KEYS, warnings)
  const name = reader.string('name')
  if (name.includes('/') || name === '.' || name === '..') {
    reader.fail(
      'name',
      `Cannot use "${name}" as a local_loop name: it becomes the file name "${name}.raw"`,
    )
  }
  const givenBlockSize = reader.optionalInteger('block_size', 512, 4096)
  const blockSize: SectorSize | undefined =
    givenBlockSize === undefined || isSectorSize(givenBlockSize)
      ? givenBlockSize
      : reader.fail(
          'block_size',
          `Cannot use block_size ${givenBlockSize} for local_loop "${name}": use one of ${SECTOR_SIZES.join(', ')}`,
        )
  const size = reader.optionalSize('size')
  if (size === 0) reader.fail('size', `Cannot use size 0 for local_loop "${name}"`)
  return {
    kind: 'local_loop',
    name,
    index,
    origin: entry.origin,
    size,
    directory: reader.optionalString('directory'),
    blockSize,
  }
}

function parseMkfs(entry: ConfigEntry, index: number, warnings: string[]): MkfsDraft {
  const reader = new FieldReader(entry.config, entry.origin, 'mkfs')
  reader.warnUnknown(MKFS_KEYS, warnings)
  const name = reader.string('name')
  return {
    kind: 'mkfs',
    name,
    index,
    origin: entry.origin,
    base: reader.string('base'),
    type: reader.optionalString('type'),
    label: reader.optionalText('label'),
    opts: readOpts(reader),
    uuid: reader.optionalString('uuid'),
  }
}

// DIB splits a string on spaces; a list is taken as written.
function readOpts(reader: FieldReader): readonly string[] | undefined {
  const value = reader.config['opts']
  if (typeof value === 'string') return value.split(/\s+/).filter((word) => word !== '')
  return reader.optionalStringList('opts')
}

function parseMount(entry: ConfigEntry, index: number, warnings: string[]): MountNode {
  const reader = new FieldReader(entry.config, entry.origin, 'mount')
  reader.warnUnknown(MOUNT_KEYS, warnings)
  const name = reader.string('name')
  const mountPoint = reader.string('mount_point', 'an absolute path, or "none" for swap')
  if (mountPoint !== 'none' && !mountPoint.startsWith('/')) {
    reader.fail(
      'mount_point',
      `Cannot use mount_point "${mountPoint}" of mount "${name}": it must be an absolute path or "none"`,
    )
  }
  if (mountPoint.split('/').some((part) => part === '..' || part === '.')) {
    reader.fail(
      'mount_point',
      `Cannot use mount_point "${mountPoint}" of mount "${name}": "." and ".." are not allowed`,
    )
  }
  const normalized =
    mountPoint === '/' || mountPoint === 'none'
      ? mountPoint
      : mountPoint.replace(/\/+/g, '/').replace(/\/$/, '')
  return {
    kind: 'mount',
    name,
    index,
    origin: entry.origin,
    base: reader.string('base'),
    mountPoint: normalized,
  }
}

function parseFstab(entry: ConfigEntry, index: number, warnings: string[]): FstabNode {
  const reader = new FieldReader(entry.config, entry.origin, 'fstab')
  reader.warnUnknown(FSTAB_KEYS, warnings)
  const options = reader.optionalString('options') ?? 'defaults'
  if (/\s/.test(options)) {
    reader.fail(
      'options',
      `Cannot use fstab options "${options}": separate options with commas, not spaces`,
    )
  }
  return {
    kind: 'fstab',
    name: reader.string('name'),
    index,
    origin: entry.origin,
    base: reader.string('base'),
    options,
    dumpFreq: reader.optionalInteger('dump-freq', 0, 9) ?? 0,
    fsckPassno: reader.optionalInteger('fsck-passno', 0, 9) ?? 2,
  }
}
