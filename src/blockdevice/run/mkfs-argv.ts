// mkfs command lines. The config's opts come first so DIB-style configs keep working, then our
// label, UUID and quiet flags; each tool spells them differently (the filesystem table says how).
import { filesystemType, isExtFamily, type FilesystemType } from '../filesystems.ts'

export interface MkfsInput {
  /** Canonical type (vfat, not fat). */
  readonly type: string
  readonly device: string
  readonly label: string
  /** As resolveIdentities() gives it; vfat ids look like "1A2B-3C4D". */
  readonly uuid?: string | undefined
  readonly opts: readonly string[]
  /**
   * Rebuild from a finished tree, reproducibly (see pipeline/reproducible-disk.ts): ext2/3/4 are
   * filled from `from` (`mke2fs -d`) with a fixed directory hash seed; vfat gets
   * `--invariant`. Other types ignore it.
   */
  readonly reproducible?: { readonly from: string; readonly hashSeed?: string } | undefined
  /**
   * Fill a new ext2/3/4 filesystem from this tree as it is made (`mke2fs -d`), instead of
   * mounting it empty and copying the tree in (see blockdevice/assemble/populate.ts). Other
   * types ignore it.
   */
  readonly populateFrom?: string | undefined
}

export function buildMkfsArgv(input: MkfsInput): [string, ...string[]] {
  const { type, device, label, uuid, opts } = input
  const row = filesystemType(type)
  // Anything else `mkfs -t` would accept: its mkfs.<type> helper, with a label.
  if (row === undefined) return [`mkfs.${type}`, ...opts, '-L', label, device]
  const { reproducible } = input
  if (reproducible !== undefined && isExtFamily(type)) {
    const extOpts =
      reproducible.hashSeed === undefined
        ? opts
        : withExtendedOption(opts, `hash_seed=${reproducible.hashSeed}`)
    return [
      row.mkfs,
      ...extOpts,
      row.labelFlag,
      label,
      ...uuidArgs(row, uuid),
      '-d',
      reproducible.from,
      ...row.quiet,
      device,
    ]
  }
  const invariant = reproducible !== undefined && type === 'vfat' ? ['--invariant'] : []
  const populate =
    input.populateFrom !== undefined && isExtFamily(type) ? ['-d', input.populateFrom] : []
  return [
    row.mkfs,
    ...opts,
    ...invariant,
    row.labelFlag,
    label,
    ...uuidArgs(row, uuid),
    ...populate,
    ...row.quiet,
    device,
  ]
}

/**
 * mke2fs keeps only the last `-E`, so an extended option joins the options' own `-E` list
 * (`-E resize=N` from MAX_ONLINE_RESIZE, or the user's) instead of replacing it.
 */
export function withExtendedOption(opts: readonly string[], option: string): string[] {
  const merged = [...opts]
  for (let i = merged.length - 1; i >= 0; i--) {
    const word = merged[i] ?? ''
    if (word === '-E' && i + 1 < merged.length) {
      merged[i + 1] = `${merged[i + 1]},${option}`
      return merged
    }
    if (word.startsWith('-E') && word.length > 2) {
      merged[i] = `${word},${option}`
      return merged
    }
  }
  return [...merged, '-E', option]
}

function uuidArgs(row: FilesystemType, uuid: string | undefined): string[] {
  if (uuid === undefined || row.uuid === undefined) return []
  if (row.uuid.kind === 'fat-volume-id') return [row.uuid.flag, uuid.replace('-', '')]
  return [row.uuid.flag, `${row.uuid.prefix ?? ''}${uuid}`]
}

/** The environment mkfs of this type needs (see the btrfs row of the filesystem table). */
export function mkfsEnvironment(type: string): { env?: Readonly<Record<string, string>> } {
  const env = filesystemType(type)?.mkfsEnv
  return env === undefined ? {} : { env }
}
