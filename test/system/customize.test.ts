// `imagewright customize` on real images: one built with the download-free host-os element
// (GPT with an ESP, /boot and the root, as a cloud image), and, when the test cache holds a
// bookworm root, a Debian disk made from it for apt. Results are read back through read-only
// mounts at the partitions' offsets (and mtools for the FAT ESP), never through the code under test.
import { execFileSync, spawn } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { unpackBookwormTree } from '../helpers/bookworm-tree.ts'
import { espBootRootLayout } from '../helpers/block-device-yaml.ts'
import {
  DIB_BIN,
  HOST_OS_ELEMENTS,
  IW_BIN,
  hostSnapshot,
  runCli,
  type HostSnapshot,
} from '../helpers/cli.ts'
import { makeTestWork } from '../helpers/host-os-work.ts'

let work: string
let before: HostSnapshot
const CUSTOMIZE_ELEMENTS = join(import.meta.dirname, '..', 'fixtures', 'customize-elements')

const LAYOUT = espBootRootLayout('cloudimg-rootfs')

const env = (): Record<string, string> => ({
  TMPDIR: join(work, 'tmp'),
  IMAGEWRIGHT_STATE_DIR: join(work, 'state'),
})
const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8' })
const sha256 = (path: string): string => sh('sha256sum', [path]).split(' ')[0] ?? ''
const customize = (args: string[]): ReturnType<typeof runCli> =>
  runCli(IW_BIN, { args: ['customize', ...args], env: env(), timeoutMs: 600_000 })

interface Partition {
  readonly start: number
  readonly size: number
  readonly name?: string
}
function partitions(raw: string): Partition[] {
  return (
    JSON.parse(sh('sfdisk', ['--json', raw])) as { partitiontable: { partitions: Partition[] } }
  ).partitiontable.partitions
}

/** Mount partition `index` of a raw image read-only at its offset, run `check`, unmount. */
function withPartition<T>(raw: string, index: number, check: (dir: string) => T): T {
  const part = partitions(raw)[index]
  if (!part) throw new Error(`no partition ${index} in ${raw}`)
  const dir = mkdtempSync(join(work, 'check-'))
  sh('mount', ['-o', `ro,loop,offset=${part.start * 512},sizelimit=${part.size * 512}`, raw, dir])
  try {
    return check(dir)
  } finally {
    sh('umount', [dir])
    rmSync(dir, { recursive: true })
  }
}

function toRaw(image: string): string {
  const raw = `${image}.check.raw`
  sh('qemu-img', ['convert', '-O', 'raw', image, raw])
  return raw
}

function expectHostClean(): void {
  expect(hostSnapshot(work)).toEqual(before)
}

beforeAll(async () => {
  ;({ work, before } = makeTestWork('iw-customize-'))
  writeFileSync(join(work, 'layout.yaml'), LAYOUT)
  const built = await runCli(DIB_BIN, {
    args: ['-n', '-o', join(work, 'base'), '-t', 'qcow2', 'host-os'],
    env: {
      ...env(),
      ELEMENTS_PATH: HOST_OS_ELEMENTS,
      DIB_BLOCK_DEVICE_CONFIG: `file://${join(work, 'layout.yaml')}`,
    },
  })
  expect(built.stderr).toBe('')
  expect(built.code).toBe(0)
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

describe('imagewright customize', () => {
  it("edits a copy in the order given, with /boot and the ESP mounted from the image's fstab; the input stays as it was", async () => {
    const input = join(work, 'base.qcow2')
    const sum = sha256(input)
    mkdirSync(join(work, 'app'))
    writeFileSync(join(work, 'app', 'config'), 'app-data\n')
    writeFileSync(join(work, 'setup.sh'), '#!/bin/sh\necho from-script > /etc/from-script\n')
    const result = await customize([
      '-a',
      input,
      '-o',
      join(work, 'out.raw'),
      '--write',
      '/etc/order:one',
      '--run-command',
      'echo two >> /etc/order; test -s /etc/resolv.conf && echo resolver-present > /etc/ran',
      '--run',
      join(work, 'setup.sh'),
      '--mkdir',
      '/opt',
      '--copy-in',
      `${join(work, 'app')}:/opt`,
      '--mkdir',
      '/srv/data',
      '--write',
      '/boot/marker:on-the-boot-partition',
      '--write',
      '/boot/efi/marker:on-the-esp',
    ])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(
      /Mounted \/dev\/loop\d+p3 \(ext4\) as the root, and \/boot, \/boot\/efi from its fstab/,
    )
    expect(sha256(input)).toBe(sum)
    const out = join(work, 'out.raw')
    expect(JSON.parse(sh('qemu-img', ['info', '--output=json', out])).format).toBe('raw')
    withPartition(out, 2, (root) => {
      expect(readFileSync(join(root, 'etc/order'), 'utf8')).toBe('onetwo\n')
      expect(readFileSync(join(root, 'etc/ran'), 'utf8')).toBe('resolver-present\n')
      expect(readFileSync(join(root, 'etc/from-script'), 'utf8')).toBe('from-script\n')
      expect(readFileSync(join(root, 'opt/app/config'), 'utf8')).toBe('app-data\n')
      expect(existsSync(join(root, 'srv/data'))).toBe(true)
      // the host's resolver was there for the commands only; the script went with the session
      expect(existsSync(join(root, 'etc/resolv.conf'))).toBe(false)
      expect(readdirSync(join(root, 'tmp'))).toEqual([])
      // /boot and the ESP were the image's own partitions, not directories of the root
      expect(readdirSync(join(root, 'boot'))).toEqual([])
    })
    withPartition(out, 1, (boot) =>
      expect(readFileSync(join(boot, 'marker'), 'utf8')).toBe('on-the-boot-partition'),
    )
    const esp = partitions(out)[0]?.start ?? 0
    // fusefat (no vfat driver here) leaves FAT[1] as 0x8000, which fsck.fat accepts and mtools' strict check does not
    expect(
      execFileSync('mtype', ['-i', `${out}@@${esp * 512}`, '::/marker'], {
        encoding: 'utf8',
        env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
      }),
    ).toBe('on-the-esp')
    expectHostClean()
  })

  it('replaces the input with --in-place only once the result is complete, keeping its format', async () => {
    const image = join(work, 'inplace.qcow2')
    copyFileSync(join(work, 'base.qcow2'), image)
    const sum = sha256(image)
    const failed = await customize([
      '-a',
      image,
      '--in-place',
      '--write',
      '/etc/half:done',
      '--run-command',
      'echo failing on purpose >&2; exit 7',
    ])
    expect(failed.code).toBe(5)
    expect(failed.stderr).toMatch(
      /^Error: Cannot run-command echo failing on purpose >&2; exit 7: failed with exit code 7: /,
    )
    expect(failed.stderr).toContain('failing on purpose')
    expect(sha256(image)).toBe(sum)
    expect(readdirSync(work).filter((name) => name.startsWith('inplace.qcow2.'))).toEqual([])
    const ok = await customize(['-a', image, '--in-place', '--write', '/etc/edited:yes'])
    expect(ok.code).toBe(0)
    expect(JSON.parse(sh('qemu-img', ['info', '--output=json', image])).format).toBe('qcow2')
    withPartition(toRaw(image), 2, (root) => {
      expect(readFileSync(join(root, 'etc/edited'), 'utf8')).toBe('yes')
      expect(existsSync(join(root, 'etc/half'))).toBe(false)
    })
    expectHostClean()
  })

  it('refuses bad input with a one-line error and a non-zero exit, leaving nothing behind', async () => {
    const text = join(work, 'notes.txt')
    writeFileSync(text, 'not a disk\n'.repeat(1000))
    const fatOnly = join(work, 'fat-only.raw')
    sh('truncate', ['-s', '40M', fatOnly])
    execFileSync('sfdisk', ['-q', fatOnly], { input: 'label: gpt\nstart=2048, type=U\n' })
    sh('mkfs.vfat', ['--offset=2048', fatOnly])
    const noOs = join(work, 'no-os.raw')
    sh('truncate', ['-s', '40M', noOs])
    execFileSync('sfdisk', ['-q', noOs], { input: 'label: gpt\nstart=2048, type=L\n' })
    sh('mkfs.ext4', ['-q', '-E', `offset=${2048 * 512}`, noOs, '30M'])
    const base = join(work, 'base.qcow2')
    const cases: [string[], number, RegExp][] = [
      [
        ['-a', join(work, 'missing.qcow2'), '-o', join(work, 'x.qcow2'), '--write', '/a:b'],
        2,
        /^Error: Cannot customize ".*missing\.qcow2": no such file$/m,
      ],
      [
        ['-a', text, '-o', join(work, 'x.qcow2'), '--write', '/a:b'],
        3,
        /^Error: Cannot customize ".*notes\.txt": not a disk image \(no filesystem on it or on its partitions\)$/m,
      ],
      [
        ['-a', fatOnly, '-o', join(work, 'x.qcow2'), '--write', '/a:b'],
        3,
        /^Error: Cannot customize ".*fat-only\.raw": no Linux root filesystem \(found only \/dev\/loop\d+p1 vfat; the root must be /m,
      ],
      [
        ['-a', noOs, '-o', join(work, 'x.qcow2'), '--write', '/a:b'],
        3,
        /^Error: Cannot customize ".*no-os\.raw": no Linux root filesystem \(none of \/dev\/loop\d+p1 ext4 holds \/etc\/os-release\)$/m,
      ],
      [
        ['-a', base, '-o', join(work, 'x.qcow2'), '--install', 'hello'],
        3,
        /^Error: Cannot manage packages in this image: its os-release says ID=hostos, not a distribution of the apt, dnf\/yum or zypper families$/m,
      ],
      [
        ['-a', base, '-o', join(work, 'x.qcow2'), '--copy-in', `${join(work, 'nowhere')}:/opt`],
        2,
        /^Error: Cannot copy-in .*nowhere to \/opt: ".*nowhere" does not exist$/m,
      ],
      [
        [
          '-a',
          base,
          '-o',
          join(work, 'x.qcow2'),
          '--copy-in',
          `${join(work, 'layout.yaml')}:/nonexistent`,
        ],
        2,
        /^Error: Cannot copy ".*layout\.yaml" into "\/nonexistent": no such directory in the image$/m,
      ],
      [
        ['-a', base, '-o', join(work, 'x.qcow2'), '--element', 'dpkg'],
        4,
        /^Error: Cannot apply element "dpkg" to an existing image: it has root\.d hooks, which make a root tree or a disk$/m,
      ],
      [
        ['-a', base, '-o', join(work, 'x.qcow2'), '--element', 'no-such-element'],
        4,
        /^Error: Element 'no-such-element' not found/m,
      ],
      [
        ['-a', base, '-o', join(work, 'x.qcow2'), '--size', '1MiB'],
        2,
        /^Error: Option "--size": 1048576 bytes is smaller than the image \(\d+ bytes\); shrinking is not supported$/m,
      ],
      [
        ['-a', base, '--write', '/a:b'],
        2,
        /^Error: Cannot customize ".*": say where the result goes with "-o FILE", or give "--in-place" to replace it$/m,
      ],
    ]
    for (const [args, code, message] of cases) {
      const result = await customize(args)
      expect({ args, code: result.code, first: result.stderr.split('\n')[0] }).toEqual({
        args,
        code,
        first: expect.stringMatching(message),
      })
    }
    expect(existsSync(join(work, 'x.qcow2'))).toBe(false)
    expect(readdirSync(work).filter((name) => name.includes('.partial-'))).toEqual([])
    expectHostClean()
  })

  it('stops on SIGTERM mid-command and releases everything; after kill -9, imagewright cleanup does', async () => {
    const base = join(work, 'base.qcow2')
    const term = await runCli(IW_BIN, {
      args: [
        'customize',
        '-a',
        base,
        '-o',
        join(work, 'term.qcow2'),
        '--run-command',
        'echo napping now; sleep 300',
      ],
      env: env(),
      interrupt: { when: /napping now/, signal: 'SIGTERM' },
      timeoutMs: 120_000,
    })
    expect(term.code).toBe(143)
    expect(term.stderr).toContain('interrupted by SIGTERM')
    expectHostClean()

    const child = spawn(
      process.execPath,
      [
        IW_BIN,
        'customize',
        '-a',
        base,
        '-o',
        join(work, 'killed.qcow2'),
        '--run-command',
        'echo napping now; sleep 300',
      ],
      { env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('napping now')) resolve()
      }),
    )
    child.kill('SIGKILL')
    await new Promise((resolve) => child.on('close', resolve))
    expect(hostSnapshot(work)).not.toEqual(before)
    const cleanup = await runCli(IW_BIN, { args: ['cleanup'], env: env() })
    expect(cleanup.code).toBe(0)
    expect(cleanup.stdout).toMatch(/released loop device \/dev\/loop\d+/)
    // Its mounts were in its own mount namespace: they went with its last process.
    expect(cleanup.stdout).not.toMatch(/released mount/)
    expect(existsSync(join(work, 'killed.qcow2'))).toBe(false)
    expectHostClean()
  })

  it("installs a package with a Debian image's own apt, applies a DIB element, grows the disk and sets the root password, restoring the image's resolver", async () => {
    const tree = join(work, 'bookworm')
    unpackBookwormTree(tree)
    // The image's own resolver, which customize must put back after using the host's.
    rmSync(join(tree, 'etc/resolv.conf'), { force: true })
    writeFileSync(join(tree, 'etc/resolv.conf'), 'nameserver 192.0.2.53\n')
    writeFileSync(join(tree, 'etc/fstab'), 'LABEL=deb-root / ext4 defaults 0 1\n')
    const fs = join(work, 'deb-root.img')
    sh('mkfs.ext4', ['-q', '-L', 'deb-root', '-d', tree, fs, '640M'])
    rmSync(tree, { recursive: true })
    const raw = join(work, 'deb.raw')
    sh('truncate', ['-s', '660M', raw])
    execFileSync('sfdisk', ['-q', raw], { input: 'label: dos\nstart=2048, type=83\n' })
    sh('dd', [`if=${fs}`, `of=${raw}`, 'bs=1M', 'seek=1', 'conv=notrunc,sparse', 'status=none'])
    rmSync(fs)
    const input = join(work, 'deb.qcow2')
    sh('qemu-img', ['convert', '-O', 'qcow2', raw, input])
    rmSync(raw)
    const sum = sha256(input)
    const rootUuid = sh('blkid', [
      '-p',
      '-O',
      String(2048 * 512),
      '-s',
      'UUID',
      '-o',
      'value',
      toRaw(input),
    ]).trim()
    // A missing package: one line first, a non-zero exit, nothing written, nothing left behind.
    const missing = await customize([
      '-a',
      input,
      '-o',
      join(work, 'deb-missing.qcow2'),
      '--install',
      'no-such-package-iw',
    ])
    expect(missing.code).toBe(5)
    expect(missing.stderr).toMatch(
      /^Error: Cannot install no-such-package-iw: failed with exit code 100: .*\n(.*\n)*.*Unable to locate package no-such-package-iw/,
    )
    expect(existsSync(join(work, 'deb-missing.qcow2'))).toBe(false)
    expectHostClean()
    const started = performance.now()
    const result = await customize([
      '-a',
      input,
      '-o',
      join(work, 'deb-out.qcow2'),
      '--size',
      '+256MiB',
      '--install',
      'hello',
      '--elements-path',
      CUSTOMIZE_ELEMENTS,
      '--element',
      'customize-marks',
      '--root-password',
      'password:letmein-42',
    ])
    console.log(
      `customize with --element and --size: ${Math.round(performance.now() - started)} ms`,
    )
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).not.toContain('letmein-42')
    expect(result.stdout).toMatch(
      /Not running root\.d of element "dpkg": the image already has its root and disk/,
    )
    expect(sha256(input)).toBe(sum)
    const out = toRaw(join(work, 'deb-out.qcow2'))
    // Grown: the disk by 256 MiB, the partition to its end, the filesystem with it; same ids.
    expect(
      JSON.parse(sh('qemu-img', ['info', '--output=json', join(work, 'deb-out.qcow2')]))[
        'virtual-size'
      ],
    ).toBe(916 * 1024 * 1024)
    expect(partitions(out)).toEqual([
      expect.objectContaining({ start: 2048, size: 916 * 2048 - 2048 }),
    ])
    expect(
      sh('blkid', ['-p', '-O', String(2048 * 512), '-s', 'UUID', '-o', 'value', out]).trim(),
    ).toBe(rootUuid)
    expect(existsSync(join(work, 'deb-out.d', 'dib-manifests'))).toBe(true)
    withPartition(out, 0, (root) => {
      expect(
        Number(sh('df', ['--block-size=1M', '--output=size', root]).split('\n')[1]),
      ).toBeGreaterThan(800)
      // environment.d sourced, DISTRO_NAME from os-release, package-installs ran before install.d/50
      expect(readFileSync(join(root, 'etc/customize-mark-install'), 'utf8')).toBe(
        'from-environment-d debian /usr/bin/tree\n',
      )
      expect(readFileSync(join(root, 'etc/customize-mark-finalise'), 'utf8')).toBe('finalise\n')
      expect(readFileSync(join(root, 'var/lib/dpkg/status'), 'utf8')).toMatch(
        /^Package: tree\nStatus: install ok installed$/m,
      )
      // cleanup.d ran: no package plan, no build apt config; and /tmp is empty
      expect(existsSync(join(root, 'etc/apt/apt.conf.d/00imagewright-build'))).toBe(false)
      expect(readdirSync(join(root, 'tmp'))).toEqual([])
      expect(existsSync(join(root, 'usr/bin/hello'))).toBe(true)
      expect(readFileSync(join(root, 'var/lib/dpkg/status'), 'utf8')).toMatch(
        /^Package: hello\nStatus: install ok installed$/m,
      )
      expect(readFileSync(join(root, 'etc/resolv.conf'), 'utf8')).toBe('nameserver 192.0.2.53\n')
      expect(readFileSync(join(root, 'etc/shadow'), 'utf8')).toMatch(/^root:\$6\$/m)
      expect(
        readdirSync(join(root, 'var/cache/apt/archives')).filter((name) => name.endsWith('.deb')),
      ).toEqual([])
    })
    expectHostClean()
  })
})
