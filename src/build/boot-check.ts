// --boot-test: prove the image just written boots, with the same engine as `imagewright boot-test`.
import { extname } from 'node:path'
import { bootTest, type BootTestResult } from '../boot/boot-test.ts'
import { BootTestError } from '../errors.ts'
import type { BuildContext } from './context.ts'
import type { SectorSize } from '../util/sector-size.ts'

const BOOTABLE = ['.qcow2', '.raw', '.vmdk', '.vhd', '.vhdx']

export async function bootCheckArtifacts(
  ctx: BuildContext,
  artifacts: readonly string[],
  disk: { readonly firmware: 'bios' | 'uefi'; readonly sectorSize: SectorSize },
): Promise<BootTestResult> {
  const image = BOOTABLE.map((ext) => artifacts.find((a) => extname(a) === ext)).find((a) => a !== undefined)
  if (image === undefined) {
    throw new BootTestError('Cannot boot-test this build: it wrote no disk image', {
      hint: 'Add a disk format such as qcow2 or raw to -t',
    })
  }
  return bootTest({ image, ...disk, signal: ctx.signal }, ctx)
}
