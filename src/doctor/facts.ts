// What `imagewright doctor` learns about the host, as plain data: probe.ts gathers it, checks.ts
// judges it. Keeping the two apart lets every judgement be tested against any host.
import type { KernelFilesystemFacts } from '../blockdevice/run/fuse-mount.ts'

/** The outcome of trying something for real (a partitioned loop device, QEMU under KVM). */
export type Trial =
  | { readonly kind: 'ok' }
  | { readonly kind: 'failed'; readonly why: string }
  | { readonly kind: 'skipped'; readonly why: string }

export interface SpaceFacts {
  /** What the directory is for: "TMPDIR" (builds) or "image cache" (downloads, root tarballs). */
  readonly role: 'TMPDIR' | 'image cache'
  readonly path: string
  /** The nearest existing directory at or above `path`, where the numbers were read. */
  readonly measuredAt: string
  readonly freeBytes: number
  readonly sizeBytes: number
  readonly tmpfs: boolean
}

export interface CommandOnPath {
  readonly name: string
  /** What a shell runs for `name`, or undefined when nothing on PATH has that name. */
  readonly path: string | undefined
  /** Whether that is an imagewright command (a link to some dist/cli/NAME.js). */
  readonly ours: boolean
}

export interface HostFacts {
  readonly uid: number
  /** Every host command doctor asks about, with its path or undefined when missing. */
  readonly tools: Readonly<Record<string, string | undefined>>
  readonly loopControl: boolean
  /** A sparse file with a partition table attached with `losetup --partscan`: did p1 appear? */
  readonly partitionScan: Trial
  readonly deviceMapper: boolean
  readonly kernelFilesystems: KernelFilesystemFacts
  readonly fuseDevice: boolean
  readonly kvm: { readonly device: 'absent' | 'no-access' | 'usable'; readonly qemu: Trial }
  /** OVMF firmware files that boot-test needs for UEFI and that are missing. */
  readonly ovmfMissing: readonly string[]
  readonly space: readonly SpaceFacts[]
  readonly memoryBytes: number
  readonly minTmpfsGiB: number
  readonly noTmpfs: boolean
  readonly commands: readonly CommandOnPath[]
}
