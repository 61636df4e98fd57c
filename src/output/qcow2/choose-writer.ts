// Which program writes a qemu-img type: imagewright's own qcow2 writer for the default
// compressed zlib qcow2, qemu-img for everything it cannot reproduce exactly.
import { SECTOR } from './layout.ts'

export interface WriterChoiceInput {
  /** qemu-img's name of the output format (`qcow2`, `vpc`, …). */
  readonly qemuFormat: string
  readonly compressible: boolean
  readonly uncompressed: boolean
  readonly qemuImgOptions?: string | undefined
  readonly compressionType?: string | undefined
  readonly sourceBytes: number
}

export type WriterChoice =
  { readonly writer: 'imagewright' } | { readonly writer: 'qemu-img'; readonly why: string }

export function chooseQcow2Writer(input: WriterChoiceInput): WriterChoice {
  const qemuImg = (why: string): WriterChoice => ({ writer: 'qemu-img', why })
  if (input.qemuFormat !== 'qcow2') return qemuImg(`the format is ${input.qemuFormat}`)
  if (!input.compressible || input.uncompressed) return qemuImg('the image is not compressed')
  if (input.compressionType !== undefined && input.compressionType !== 'zlib') {
    return qemuImg(`the compression type is ${input.compressionType}`)
  }
  if ((input.qemuImgOptions ?? '').trim() !== '') return qemuImg('qemu-img options were given')
  if (input.sourceBytes <= 0 || input.sourceBytes % SECTOR !== 0) {
    return qemuImg('the raw image is not a whole number of 512-byte sectors')
  }
  return { writer: 'imagewright' }
}
