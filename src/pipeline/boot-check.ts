// --boot-test: prove the image just written boots, with the same engine as `imagewright boot-test`.
import { extname } from 'node:path'
import { bootTest, type BootTestResult } from '../boot/boot-test.ts'
import { BootTestError } from '../errors.ts'
import type { BuildContext } from './context.ts'
import type { SectorSize } from '../util/sector-size.ts'
import { readSetting } from '../config/settings.ts'

const BOOTABLE = ['.qcow2', '.raw', '.vmdk', '.vhd', '.vhdx']

export async function bootCheckArtifacts(
  ctx: Pick<BuildContext, 'runner' | 'reporter' | 'signal'>,
  artifacts: readonly string[],
  disk: { readonly firmware: 'bios' | 'uefi'; readonly sectorSize: SectorSize },
): Promise<BootTestResult> {
  const image = BOOTABLE.map((ext) => artifacts.find((a) => extname(a) === ext)).find(
    (a) => a !== undefined,
  )
  if (image === undefined) {
    throw new BootTestError('Cannot boot-test this build: it wrote no disk image', {
      hint: 'Add a disk format such as qcow2 or raw to -t',
    })
  }
  return bootTest({ image, ...disk, signal: ctx.signal }, ctx)
}

/** What a ramdisk's console shows when it is up: our busybox ramdisk's prompt, or a login prompt. */
export const RAMDISK_MARKER = /(ramdisk# |login:\s*)$/m
/** The guest memory a ramdisk is meant for: IMAGEWRIGHT_RAMDISK_MEMORY (MiB), else 2048. */
export function ramdiskMemoryMiB(env: Readonly<Record<string, string | undefined>>): number {
  return readSetting(env, 'ramdiskMemoryMiB')
}

/** --boot-test of ramdisk-image-create: boot NAME.kernel with NAME.initramfs, no disk. */
export async function bootCheckRamdisk(
  ctx: BuildContext,
  artifacts: readonly string[],
): Promise<BootTestResult> {
  const kernel = artifacts.find((a) => a.endsWith('.kernel') || a.endsWith('.vmlinuz'))
  const initrd = artifacts.find((a) => a.endsWith('.initramfs'))
  if (kernel === undefined || initrd === undefined) {
    throw new BootTestError(
      'Cannot boot-test this ramdisk: the build wrote no kernel beside the ramdisk',
      {
        hint: 'The ramdisk element must copy the kernel out as $IMAGE_NAME.kernel (ramdisk-base does)',
      },
    )
  }
  return bootTest(
    {
      kernel: { kernel, initrd, append: 'console=ttyS0,115200' },
      marker: RAMDISK_MARKER,
      memoryMiB: ramdiskMemoryMiB(ctx.options.env),
      signal: ctx.signal,
    },
    ctx,
  )
}
