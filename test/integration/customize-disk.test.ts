// customize's disk handling on small sparse files with the real tools: every input format
// through qemu-img and back, the disk and its root partition and filesystem grown (GPT + ext4,
// MBR + btrfs, a bare XFS) with the table's and the filesystems' identities kept, and a LUKS
// root refused with nothing left attached. Needs root (loop devices, mounts), like customize.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DiskFormat } from '../../src/boot/disk-format.ts'
import { growDiskFile, growRootFilesystem, growUnmounted } from '../../src/customize/grow-disk.ts'
import { inspectImage, makeWorkingCopy, writeResult } from '../../src/customize/image-file.ts'
import { openImage } from '../../src/customize/open-image.ts'
import { ImageInputError } from '../../src/errors.ts'
import { ProcessRunner } from '../../src/exec/run.ts'
import { nullJournal } from '../../src/host/journal.ts'
import { silentReporter } from '../../src/report/events.ts'

const runner = new ProcessRunner({ reporter: silentReporter })
const deps = { runner, reporter: silentReporter, journal: nullJournal }
const MiB = 1024 ** 2
let work: string

const sh = (cmd: string, args: string[], input?: string): string =>
  execFileSync(cmd, args, { encoding: 'utf8', ...(input === undefined ? {} : { input }) })
const sha256 = (path: string): string => sh('sha256sum', [path]).split(' ')[0] ?? ''
const attachedTo = (file: string): string => sh('losetup', ['--associated', file]).trim()

interface Table {
  readonly label: string
  readonly id: string
  readonly partitions: readonly { start: number; size: number; uuid?: string; type: string }[]
}
const table = (raw: string): Table =>
  (JSON.parse(sh('sfdisk', ['--json', raw])) as { partitiontable: Table }).partitiontable

/** A filesystem image made from `files`, placed in `raw` at `offsetMiB`. */
function placeFilesystem(raw: string, offsetMiB: number, fs: string): void {
  sh('dd', [
    `if=${fs}`,
    `of=${raw}`,
    'bs=1M',
    `seek=${offsetMiB}`,
    'conv=notrunc,sparse',
    'status=none',
  ])
  rmSync(fs)
}

function rootTree(name: string): string {
  const dir = join(work, name)
  mkdirSync(join(dir, 'etc'), { recursive: true })
  writeFileSync(join(dir, 'etc/os-release'), 'ID=test\n')
  return dir
}

/** Grow `raw` to `bytes` and open it as customize does; `check` sees the mounted root. */
async function growAndOpen(
  raw: string,
  bytes: number,
  check: (root: string) => void,
): Promise<void> {
  const mnt = mkdtempSync(join(work, 'mnt-'))
  const grown = await growDiskFile(raw, bytes, deps)
  {
    await using opened = await openImage(raw, mnt, raw, deps, {
      beforeMount: (found) => growUnmounted(grown, found, deps),
    })
    await growRootFilesystem(grown, opened.rootFilesystem, opened.root, deps)
    check(opened.root)
  }
  expect(attachedTo(raw)).toBe('')
}

const fsBytes = (root: string): number => {
  const out = sh('df', ['--block-size=1', '--output=size', root]).split('\n')[1] ?? ''
  return Number.parseInt(out.trim(), 10)
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'iw-customize-disk-'))
})
afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

describe('customize input formats', () => {
  it.each<DiskFormat>(['qcow2', 'vmdk', 'vpc', 'vhdx'])(
    'reads %s into a raw working copy and writes it back in the same format',
    async (format) => {
      const raw = join(work, `src-${format}.raw`)
      sh('truncate', ['-s', '16M', raw])
      sh('sfdisk', ['-q', raw], 'label: gpt\nstart=2048, type=L\n')
      sh(
        'dd',
        ['of=' + raw, 'bs=1M', 'seek=5', 'conv=notrunc', 'status=none'],
        'marker in the middle\n',
      )
      const image = join(work, `in.${format}`)
      sh('qemu-img', [
        'convert',
        '-O',
        format,
        ...(format === 'vpc' ? ['-o', 'force_size=on'] : []),
        raw,
        image,
      ])
      const inspected = await inspectImage(image, runner)
      expect(inspected).toMatchObject({ format, virtualSize: 16 * MiB })
      const copy = join(work, `copy-${format}.raw`)
      await makeWorkingCopy(inspected, copy, runner)
      expect(sha256(copy)).toBe(sha256(raw))
      const out = join(work, `out.${format}`)
      await writeResult(copy, out, format, 0o640, {
        runner,
        journal: nullJournal,
        reporter: silentReporter,
      })
      const info = JSON.parse(sh('qemu-img', ['info', '--output=json', out])) as {
        format: string
        'virtual-size': number
      }
      expect({ format: info.format, size: info['virtual-size'] }).toEqual({
        format,
        size: 16 * MiB,
      })
      expect(statSync(out).mode & 0o777).toBe(0o640)
      const back = join(work, `back-${format}.raw`)
      sh('qemu-img', ['convert', '-O', 'raw', out, back])
      expect(sha256(back)).toBe(sha256(raw))
    },
  )
})

describe('customize --size', () => {
  it('grows a GPT disk: the backup header moved, the last partition and its ext4 grown offline, identities kept', async () => {
    const raw = join(work, 'gpt.raw')
    sh('truncate', ['-s', '64M', raw])
    sh('sfdisk', ['-q', raw], 'label: gpt\nstart=2048, size=8MiB, type=U\nstart=18432, type=L\n')
    const before = table(raw)
    const ext4 = join(work, 'root.ext4')
    sh('mkfs.ext4', [
      '-q',
      '-L',
      'groot',
      '-d',
      rootTree('ext4-tree'),
      ext4,
      `${(before.partitions[1]?.size ?? 0) / 2}K`,
    ])
    const uuid = sh('blkid', ['-s', 'UUID', '-o', 'value', ext4]).trim()
    placeFilesystem(raw, 9, ext4)
    let size = 0
    await growAndOpen(raw, 96 * MiB, (root) => {
      expect(readFileSync(join(root, 'etc/os-release'), 'utf8')).toBe('ID=test\n')
      size = fsBytes(root)
    })
    const after = table(raw)
    expect(statSync(raw).size).toBe(96 * MiB)
    expect(after.id).toBe(before.id)
    expect(after.partitions.map((p) => p.uuid)).toEqual(before.partitions.map((p) => p.uuid))
    expect(after.partitions[0]).toEqual(before.partitions[0])
    // Up to the last usable sector before the backup table at the new end.
    expect((after.partitions[1]?.start ?? 0) + (after.partitions[1]?.size ?? 0)).toBeGreaterThan(
      96 * 2048 - 40,
    )
    expect(sh('sfdisk', ['--verify', raw])).toContain('No errors detected')
    expect(size).toBeGreaterThan(70 * MiB) // from 54 MiB
    const offset = (after.partitions[1]?.start ?? 0) * 512
    expect(sh('blkid', ['-p', '-O', String(offset), '-s', 'UUID', '-o', 'value', raw]).trim()).toBe(
      uuid,
    )
  })

  it('grows an MBR disk with a btrfs root, online', async () => {
    const raw = join(work, 'mbr.raw')
    sh('truncate', ['-s', '200M', raw])
    sh('sfdisk', ['-q', raw], 'label: dos\nstart=2048, type=83\n')
    const before = table(raw)
    const btrfs = join(work, 'root.btrfs')
    sh('truncate', ['-s', `${(before.partitions[0]?.size ?? 0) * 512}`, btrfs])
    sh('mkfs.btrfs', ['-q', '--rootdir', rootTree('btrfs-tree'), btrfs])
    placeFilesystem(raw, 1, btrfs)
    let size = 0
    await growAndOpen(raw, 300 * MiB, (root) => {
      size = fsBytes(root)
    })
    expect(table(raw).id).toBe(before.id)
    expect(table(raw).partitions[0]?.size).toBe(300 * 2048 - 2048)
    expect(size).toBeGreaterThan(250 * MiB)
  })

  it('grows a bare XFS filesystem (no partition table) with the disk', async () => {
    const raw = join(work, 'bare.xfs')
    sh('truncate', ['-s', '300M', raw])
    sh('mkfs.xfs', ['-q', raw])
    const mnt = mkdtempSync(join(work, 'prep-'))
    sh('mount', ['-o', 'loop', raw, mnt])
    mkdirSync(join(mnt, 'etc'))
    writeFileSync(join(mnt, 'etc/os-release'), 'ID=test\n')
    sh('umount', [mnt])
    let size = 0
    await growAndOpen(raw, 400 * MiB, (root) => {
      size = fsBytes(root)
    })
    expect(size).toBeGreaterThan(320 * MiB) // from 300 MiB
  })

  it('refuses a root that is not the last partition, leaving nothing attached', async () => {
    const raw = join(work, 'root-first.raw')
    sh('truncate', ['-s', '64M', raw])
    sh('sfdisk', ['-q', raw], 'label: gpt\nstart=2048, size=40MiB, type=L\nstart=83968, type=L\n')
    const ext4 = join(work, 'first.ext4')
    sh('mkfs.ext4', ['-q', '-d', rootTree('first-tree'), ext4, '40M'])
    placeFilesystem(raw, 1, ext4)
    await expect(growAndOpen(raw, 96 * MiB, () => undefined)).rejects.toThrow(
      /^Cannot grow the root filesystem: it is on \/dev\/loop\d+p1, and only the last partition \(2\) can grow$/,
    )
    expect(attachedTo(raw)).toBe('')
  })
})

describe('customize bad input', () => {
  it('refuses a LUKS root, found by its header (no cryptsetup, no device-mapper), leaving nothing attached', async () => {
    const raw = join(work, 'luks.raw')
    sh('truncate', ['-s', '16M', raw])
    sh('sfdisk', ['-q', raw], 'label: gpt\nstart=2048, type=L\n')
    // A LUKS1 header as far as blkid reads it: magic, version 1, and a UUID at byte 168.
    const header = Buffer.alloc(592)
    Buffer.from([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe, 0x00, 0x01]).copy(header, 0)
    header.write('aes', 8)
    header.write('xts-plain64', 40)
    header.write('sha256', 72)
    header.write('0f5e8f4c-3a7d-4d3c-9a57-1b2c3d4e5f60', 168)
    const headerFile = join(work, 'luks-header')
    writeFileSync(headerFile, header)
    placeFilesystem(raw, 1, headerFile)
    const mnt = mkdtempSync(join(work, 'mnt-'))
    const error: unknown = await openImage(raw, mnt, 'luks.raw', deps).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ImageInputError)
    expect((error as Error).message).toMatch(
      /^Cannot customize "luks\.raw": its root may be on an encrypted \(LUKS\) volume \(\/dev\/loop\d+p1\), which imagewright cannot open$/,
    )
    expect(attachedTo(raw)).toBe('')
  })
})
