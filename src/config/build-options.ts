// The typed description of one build. The CLI (DIB-style argv plus environment) and a queue
// worker both produce this object and hand it to buildImage.

import type { SectorSize } from '../util/sector-size.ts'

export type ChecksumKind = 'md5' | 'sha256'
export type InstallType = 'source' | 'package'

export interface BuildOptions {
  /** Elements as the user asked for them, before base/block-device defaults are added. */
  readonly elements: readonly string[]
  /** Set by ramdisk-image-create: its main element (already first in `elements`). */
  readonly ramdiskElement: string | undefined
  readonly imageName: string
  readonly imageTypes: readonly string[]
  readonly arch: string
  readonly debugTrace: number
  readonly uncompressed: boolean
  readonly skipBase: boolean
  readonly packages: readonly string[]
  readonly checksums: readonly ChecksumKind[]
  /** Fixed image size in bytes (from --image-size GB); disables automatic sizing. */
  readonly imageSizeBytes: number | undefined
  /** Extra MiB added to the tree size instead of the 1/0.6 scaling. */
  readonly imageExtraSizeMiB: number | undefined
  readonly imageCache: string
  readonly maxOnlineResize: string | undefined
  readonly minTmpfsGiB: number
  readonly journalSizeMiB: number
  readonly mkfsOptions: readonly string[]
  readonly noTmpfs: boolean
  readonly offline: boolean
  readonly qemuImgOptions: string | undefined
  readonly rootLabel: string | undefined
  readonly fsType: string
  readonly installType: InstallType
  readonly dockerTarget: string | undefined
  readonly logfile: string | undefined
  readonly quiet: boolean
  readonly noTimestamp: boolean
  readonly overwriteOldImage: boolean
  /** ELEMENTS_PATH entries given by the user (the built-in dir is appended by the build). */
  readonly elementsPath: readonly string[]
  readonly blockDeviceConfig: string | undefined
  /** DIB_BLOCK_SIZE: the sector size of every loop device, over the layout's block_size. */
  readonly blockSize: SectorSize | undefined
  readonly tmpDir: string
  /** The environment hook scripts inherit (the caller's, as DIB passes it with sudo -E). */
  readonly env: Readonly<Record<string, string>>
  /** The original command line, exported to hooks as DIB_ARGS. */
  readonly args: readonly string[]
  /** Boot the result under QEMU after the build. */
  readonly bootTest: boolean
  /** Write every build event as a JSON line to this file. */
  readonly jsonLog: string | undefined
  /** Write an HTML report with a timeline of the build to this file when it ends. */
  readonly htmlReport: string | undefined
  /** Fixed seed for disk ids and filesystem UUIDs, so equal inputs give equal images. */
  readonly uuidSeed: string | undefined
  /** --no-cache: neither reuse nor store step results (src/cache/). */
  readonly noCache?: boolean
}
