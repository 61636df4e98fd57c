// How big the disk image must be, by DIB's rules: the tree's size scaled by 1/0.6 (or plus a
// fixed margin), the ext4 journal on top, room for an ESP, rounded to 64 KiB.
import { filesystemType } from '../filesystems.ts'
import { ConfigError } from '../../errors.ts'

export interface ImageSizeInput {
  readonly treeKiB: number
  readonly fixedBytes: number | undefined
  readonly extraMiB: number | undefined
  readonly journalMiB: number
  readonly rootFsType: string
  readonly hasEfiLayout: boolean
}

const KiB = 1024
const MiB = 1024 * KiB
const ROUND_TO = 64 * KiB
const EFI_EXTRA = 525 * MiB

export function computeImageSize(input: ImageSizeInput): number {
  let bytes: number
  if (input.fixedBytes !== undefined) {
    const tree = input.treeKiB * KiB
    const needed = minimumFixedBytes(tree, input)
    if (input.fixedBytes < needed) {
      const journal = hasSizedJournal(input.rootFsType)
        ? ` and a ${input.journalMiB} MiB ${input.rootFsType} journal`
        : ''
      throw new ConfigError(
        `Image size ${formatMiB(input.fixedBytes)} (--image-size or DIB_IMAGE_SIZE) is too small for the image tree (${formatMiB(tree)})${journal}: it needs at least ${formatMiB(needed)}`,
        {
          hint: 'Give a larger --image-size (in GiB), or leave it out to size the image automatically',
        },
      )
    }
    bytes = input.fixedBytes
  } else {
    const tree = input.treeKiB * KiB
    bytes = input.extraMiB !== undefined ? tree + input.extraMiB * MiB : tree / 0.6
    if (hasSizedJournal(input.rootFsType)) {
      bytes += input.journalMiB * MiB
      // mkfs.ext4 refuses a journal larger than about a quarter of a small filesystem.
      bytes = Math.max(bytes, 4 * input.journalMiB * MiB + MiB)
    }
    // DIB adds the ESP room even to a fixed --image-size; a fixed size here means that size.
    if (input.hasEfiLayout) bytes += EFI_EXTRA
  }
  return Math.ceil(bytes / ROUND_TO) * ROUND_TO
}

// mkfs.ext4 refuses a journal bigger than about half the filesystem, so a fixed size must hold
// the tree, the journal, and twice the journal (plus a little for the metadata) at least.
function minimumFixedBytes(tree: number, input: ImageSizeInput): number {
  if (!hasSizedJournal(input.rootFsType)) return tree
  const journal = input.journalMiB * MiB
  return Math.max(tree + journal, 2 * journal + 4 * MiB)
}

/** The root filesystem's mkfs options DIB derives: inode ratio and journal for ext4, resize. */
export function rootMkfsOptions(input: {
  readonly rootFsType: string
  readonly journalMiB: number
  readonly userOptions: readonly string[]
  readonly maxOnlineResize: string | undefined
}): string[] {
  const options: string[] = []
  if (
    input.maxOnlineResize !== undefined &&
    filesystemType(input.rootFsType)?.onlineResizeOption === true
  ) {
    options.push('-E', `resize=${input.maxOnlineResize}`)
  }
  if (hasSizedJournal(input.rootFsType))
    options.push('-i', '4096', '-J', `size=${input.journalMiB}`)
  options.push(...input.userOptions)
  return options
}

/** The filesystem table's word on a journal the image size must make room for (ext4's). */
function hasSizedJournal(type: string): boolean {
  return filesystemType(type)?.sizedJournal === true
}

function formatMiB(bytes: number): string {
  return `${(bytes / MiB).toFixed(0)} MiB`
}
