// What a build tells the block-device layer (DIB's params.yaml, typed).
import type { FstabIdentifier } from './fstab.ts'
import type { RootFsParams } from '../config/root-params.ts'
import type { SectorSize } from '../../util/sector-size.ts'

export interface BlockDeviceParams extends RootFsParams {
  /** Directory for `<name>.raw` image files of local_loop nodes without a `directory`. */
  readonly imageDir: string
  /** Size of local_loop images without a `size` of their own. */
  readonly imageSizeBytes: number
  /** Filesystems are mounted under this directory; "/" is mounted on it directly. */
  readonly mountBase: string
  /** DIB_BLOCK_SIZE: the loop device sector size; overrides every local_loop's block_size. */
  readonly blockSize?: SectorSize | undefined
  /** Seed for filesystem UUIDs, disk ids and GUIDs, for reproducible images; random when absent. */
  readonly uuidSeed?: string | undefined
  /** How fstab names filesystems; DIB uses labels. */
  readonly fstabBy?: FstabIdentifier | undefined
  /** This mkfs node is filled from this tree as it is made (see assemble/populate.ts). */
  readonly populate?: { readonly filesystem: string; readonly from: string } | undefined
}
