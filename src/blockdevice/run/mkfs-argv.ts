// mkfs command lines. The config's opts come first so DIB-style configs keep working, then our
// label, UUID and quiet flags; each tool spells them differently (the filesystem table says how).
import { filesystemType, type FilesystemType } from '../filesystems.ts'

export interface MkfsInput {
  /** Canonical type (vfat, not fat). */
  readonly type: string
  readonly device: string
  readonly label: string
  /** As resolveIdentities() gives it; vfat ids look like "1A2B-3C4D". */
  readonly uuid?: string | undefined
  readonly opts: readonly string[]
}

export function buildMkfsArgv(input: MkfsInput): [string, ...string[]] {
  const { type, device, label, uuid, opts } = input
  const row = filesystemType(type)
  // Anything else `mkfs -t` would accept: its mkfs.<type> helper, with a label.
  if (row === undefined) return [`mkfs.${type}`, ...opts, '-L', label, device]
  return [row.mkfs, ...opts, row.labelFlag, label, ...uuidArgs(row, uuid), ...row.quiet, device]
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
