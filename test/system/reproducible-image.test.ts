// Reproducible disk images: the same inputs with SOURCE_DATE_EPOCH and IMAGEWRIGHT_UUID_SEED
// give byte-identical raw and qcow2 files, for the default MBR + ext4 layout and for GPT with a
// FAT ESP, while another seed gives another image. The fast host-os fixture stands in for a
// distribution; a finalise.d hook writes into the mounted disk (root and ESP) as a bootloader
// does, so files the kernel wrote late are part of what must come out equal.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIB_BIN, hostSnapshot, runCli, type HostSnapshot } from '../helpers/cli.ts'
import { hookScript, hostOsEnv, writeTestElement } from '../helpers/host-os-work.ts'

const EPOCH = '1700000000'

let work: string
let before: HostSnapshot

beforeAll(() => {
  work = mkdtempSync('/var/tmp/iw-reproducible-')
  mkdirSync(join(work, 'tmp'))
  before = hostSnapshot(work)
  writeTestElement(work, 'late-writer', {
    'install.d/20-write': hookScript('mkdir -p /var/lib/app\necho installed > /var/lib/app/state'),
    // written on the mounted disk, at build time; the ESP only where the layout has one
    'finalise.d/90-write': hookScript(
      'echo finalised > /etc/finalised\nln -s finalised /etc/finalised-link\n' +
        'if [ -d /boot/efi ]; then mkdir -p /boot/efi/EFI/BOOT /boot/efi/EFI/test\n' +
        'echo loader > /boot/efi/EFI/BOOT/BOOTX64.EFI\necho cfg > /boot/efi/EFI/test/grub.cfg; fi',
    ),
  })
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

/** Build `img` in its own directory; returns that directory. */
async function build(dir: string, layout: string, seed: string): Promise<string> {
  const cwd = join(work, dir)
  mkdirSync(cwd)
  const result = await runCli(DIB_BIN, {
    args: ['-n', '-o', 'img', '-t', 'raw,qcow2', 'host-os', layout, 'late-writer'],
    env: { ...hostOsEnv(work), SOURCE_DATE_EPOCH: EPOCH, IMAGEWRIGHT_UUID_SEED: seed },
    cwd,
  })
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  // a reproducible build need not give up parallel compression: the qcow2 is ours
  expect(result.stdout).toMatch(/qcow2 written by imagewright's qcow2 writer \(zlib, in parallel\)/)
  expect(hostSnapshot(work)).toEqual(before)
  return cwd
}

function same(a: string, b: string): boolean {
  return spawnSync('cmp', ['--silent', a, b]).status === 0
}

/** The partitions of a raw image as sfdisk reads them: start offset in bytes, by number. */
function partitionOffsets(raw: string): number[] {
  const table = JSON.parse(execFileSync('sfdisk', ['--json', raw], { encoding: 'utf8' })) as {
    partitiontable: { sectorsize?: number; partitions: { start: number }[] }
  }
  const sector = table.partitiontable.sectorsize ?? 512
  return table.partitiontable.partitions.map((p) => p.start * sector)
}

describe('reproducible disk images', () => {
  it('MBR + ext4: equal inputs give equal raw and qcow2 bytes; another seed another image', async () => {
    const a = await build('mbr-a', 'block-device-mbr', 'seed-one')
    const b = await build('mbr-b', 'block-device-mbr', 'seed-one')
    expect(same(join(a, 'img.raw'), join(b, 'img.raw')), 'raw images differ').toBe(true)
    expect(same(join(a, 'img.qcow2'), join(b, 'img.qcow2')), 'qcow2 images differ').toBe(true)
    // qemu-img reads it clean and as the raw image
    expect(
      execFileSync('qemu-img', ['check', join(a, 'img.qcow2')], { encoding: 'utf8' }),
    ).toContain('No errors were found on the image.')
    execFileSync('qemu-img', [
      'compare',
      '-f',
      'raw',
      '-F',
      'qcow2',
      join(a, 'img.raw'),
      join(a, 'img.qcow2'),
    ])
    // the rebuilt root is a sound filesystem that holds what the finalise.d hook wrote, with
    // the hook's time clamped to the epoch
    const root = `${join(a, 'img.raw')}?offset=${partitionOffsets(join(a, 'img.raw'))[0]}`
    execFileSync('e2fsck', ['-fn', root], { stdio: 'pipe' })
    const stat = execFileSync('debugfs', ['-R', 'stat /etc/finalised', root], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    expect(stat).toMatch(/mtime: 0x6553f100:00000000/)
    expect(stat).toMatch(/ctime: 0x6553f100:00000000/)
    expect(
      execFileSync('debugfs', ['-R', 'cat /var/lib/app/state', root], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ).toBe('installed\n')
    const c = await build('mbr-c', 'block-device-mbr', 'seed-two')
    expect(same(join(a, 'img.raw'), join(c, 'img.raw')), 'another seed gave the same image').toBe(
      false,
    )
  })

  it('GPT + FAT ESP + ext4: equal inputs give equal raw and qcow2 bytes', async () => {
    const a = await build('efi-a', 'block-device-efi', 'seed-one')
    const b = await build('efi-b', 'block-device-efi', 'seed-one')
    expect(same(join(a, 'img.raw'), join(b, 'img.raw')), 'raw images differ').toBe(true)
    expect(same(join(a, 'img.qcow2'), join(b, 'img.qcow2')), 'qcow2 images differ').toBe(true)
    // the ESP was made again with the files the hook wrote on it
    const esp = `${join(a, 'img.raw')}@@${partitionOffsets(join(a, 'img.raw'))[0]}`
    const listing = execFileSync('mdir', ['-b', '-/', '-i', esp, '::/EFI'], {
      encoding: 'utf8',
      env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
    })
    expect(
      listing
        .split('\n')
        .filter((line) => line !== '')
        .sort(),
    ).toEqual(['::/EFI/BOOT/', '::/EFI/BOOT/BOOTX64.EFI', '::/EFI/test/', '::/EFI/test/grub.cfg'])
  })
})
