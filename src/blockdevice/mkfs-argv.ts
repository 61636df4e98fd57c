// mkfs command lines. The config's opts come first so DIB-style configs keep working, then our
// label, UUID and quiet flags; each tool spells them differently.
import { isExtFamily } from './filesystem-rules.ts'

export interface MkfsInput {
  /** Canonical type (vfat, not fat). */
  readonly type: string
  readonly device: string
  readonly label: string
  /** As resolveIdentities() gives it; vfat ids look like "1A2B-3C4D". */
  readonly uuid?: string | undefined
  readonly opts: readonly string[]
  /**
   * Rebuild from a finished tree, reproducibly (see build/reproducible-disk.ts): ext2/3/4 are
   * filled from `from` (`mke2fs -d`) with a fixed directory hash seed; vfat gets
   * `--invariant`. Other types ignore it.
   */
  readonly reproducible?: { readonly from: string; readonly hashSeed?: string } | undefined
}

export function buildMkfsArgv(input: MkfsInput): [string, ...string[]] {
  const { type, device, label, uuid, opts } = input
  if (type === 'swap') {
    return ['mkswap', ...opts, '-L', label, ...(uuid === undefined ? [] : ['-U', uuid]), device]
  }
  if (type === 'vfat') {
    const volumeId = uuid === undefined ? [] : ['-i', uuid.replace('-', '')]
    const invariant = input.reproducible === undefined ? [] : ['--invariant']
    return ['mkfs.vfat', ...opts, ...invariant, '-n', label, ...volumeId, device]
  }
  if (type === 'xfs') {
    return [
      'mkfs.xfs',
      ...opts,
      '-L',
      label,
      ...(uuid === undefined ? [] : ['-m', `uuid=${uuid}`]),
      '-q',
      device,
    ]
  }
  if (isExtFamily(type) && input.reproducible !== undefined) {
    const { from, hashSeed } = input.reproducible
    return [
      `mkfs.${type}`,
      ...(hashSeed === undefined ? opts : withExtendedOption(opts, `hash_seed=${hashSeed}`)),
      '-L',
      label,
      ...(uuid === undefined ? [] : ['-U', uuid]),
      '-d',
      from,
      '-q',
      device,
    ]
  }
  if (isExtFamily(type) || type === 'btrfs') {
    return [
      `mkfs.${type}`,
      ...opts,
      '-L',
      label,
      ...(uuid === undefined ? [] : ['-U', uuid]),
      '-q',
      device,
    ]
  }
  // Anything else `mkfs -t` would accept: its mkfs.<type> helper, with a label.
  return [`mkfs.${type}`, ...opts, '-L', label, device]
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

/**
 * mkfs.btrfs refuses a UUID that libblkid's cache lists for any device, and the cache trusts an
 * entry probed in the last 200 s: rebuilding an image with fixed UUIDs on the loop device the
 * last build released failed with "non-unique UUID". Without the cache every device is probed
 * afresh, so only a device that really holds the UUID now is a clash.
 */
export function mkfsEnvironment(type: string): { env?: Readonly<Record<string, string>> } {
  return type === 'btrfs' ? { env: { BLKID_FILE: '/dev/null' } } : {}
}
