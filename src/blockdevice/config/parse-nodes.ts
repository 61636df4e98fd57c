// Stage three: each graph-notation entry to typed nodes, checking each key's type and syntax.
import type { ConfigEntry } from './config-entries.ts'
import * as v from 'valibot'
import { failAt, fieldsOf, readFields } from './config-fields.ts'
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
  const f = fieldsOf('local_loop')
  const given = readFields(
    entry.config,
    entry.origin,
    'local_loop',
    {
      name: v.pipe(
        f.string('name'),
        v.check(
          (name) => !name.includes('/') && name !== '.' && name !== '..',
          (issue) =>
            `Cannot use "${String(issue.input)}" as a local_loop name: it becomes the file name "${String(issue.input)}.raw"`,
        ),
      ),
      size: f.optionalSize('size'),
      directory: f.optionalString('directory'),
      block_size: f.optionalInteger('block_size', 512, 4096),
    },
    warnings,
  )
  const { name } = given
  const blockSize: SectorSize | undefined =
    given.block_size === undefined || isSectorSize(given.block_size)
      ? given.block_size
      : failAt(
          entry.origin,
          'block_size',
          `Cannot use block_size ${given.block_size} for local_loop "${name}": use one of ${SECTOR_SIZES.join(', ')}`,
        )
  if (given.size === 0) failAt(entry.origin, 'size', `Cannot use size 0 for local_loop "${name}"`)
  return {
    kind: 'local_loop',
    name,
    index,
    origin: entry.origin,
    size: given.size,
    directory: given.directory,
    blockSize,
  }
}

function parseMkfs(entry: ConfigEntry, index: number, warnings: string[]): MkfsDraft {
  const f = fieldsOf('mkfs')
  const given = readFields(
    entry.config,
    entry.origin,
    'mkfs',
    {
      name: f.string('name'),
      base: f.string('base'),
      type: f.optionalString('type'),
      label: f.optionalText('label'),
      opts: f.optionalWords('opts'),
      uuid: f.optionalString('uuid'),
    },
    warnings,
  )
  return { kind: 'mkfs', index, origin: entry.origin, ...given }
}

function parseMount(entry: ConfigEntry, index: number, warnings: string[]): MountNode {
  const f = fieldsOf('mount')
  const given = readFields(
    entry.config,
    entry.origin,
    'mount',
    {
      name: f.string('name'),
      base: f.string('base'),
      mount_point: f.string('mount_point', 'an absolute path, or "none" for swap'),
    },
    warnings,
  )
  const { name, mount_point: mountPoint } = given
  if (mountPoint !== 'none' && !mountPoint.startsWith('/')) {
    failAt(
      entry.origin,
      'mount_point',
      `Cannot use mount_point "${mountPoint}" of mount "${name}": it must be an absolute path or "none"`,
    )
  }
  if (mountPoint.split('/').some((part) => part === '..' || part === '.')) {
    failAt(
      entry.origin,
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
    base: given.base,
    mountPoint: normalized,
  }
}

function parseFstab(entry: ConfigEntry, index: number, warnings: string[]): FstabNode {
  const f = fieldsOf('fstab')
  const given = readFields(
    entry.config,
    entry.origin,
    'fstab',
    {
      name: f.string('name'),
      base: f.string('base'),
      options: v.pipe(
        f.optionalString('options'),
        v.check(
          (options) => options === undefined || !/\s/.test(options),
          (issue) =>
            `Cannot use fstab options "${String(issue.input)}": separate options with commas, not spaces`,
        ),
      ),
      'dump-freq': f.optionalInteger('dump-freq', 0, 9),
      'fsck-passno': f.optionalInteger('fsck-passno', 0, 9),
    },
    warnings,
  )
  return {
    kind: 'fstab',
    name: given.name,
    index,
    origin: entry.origin,
    base: given.base,
    options: given.options ?? 'defaults',
    dumpFreq: given['dump-freq'] ?? 0,
    fsckPassno: given['fsck-passno'] ?? 2,
  }
}
