import { describe, expect, it } from 'vitest'
import { FILESYSTEMS } from '../../../src/blockdevice/filesystems.ts'
import {
  buildsCanWork,
  buildTmpfsNote,
  checkHost,
  DOCTOR_TOOLS,
  type Check,
} from '../../../src/doctor/checks.ts'
import type { HostFacts } from '../../../src/doctor/facts.ts'

const GiB = 1024 ** 3

function healthy(overrides: Partial<HostFacts> = {}): HostFacts {
  const tools: Record<string, string | undefined> = {}
  for (const tool of DOCTOR_TOOLS) tools[tool] = `/usr/sbin/${tool}`
  return {
    uid: 0,
    tools,
    loopControl: true,
    partitionScan: { kind: 'ok' },
    deviceMapper: true,
    kernelFilesystems: {
      procFilesystems: 'nodev\ttmpfs\n\text4\n\tvfat\n',
      modulesDep: undefined,
      modulesBuiltin: undefined,
    },
    fuseDevice: true,
    kvm: { device: 'usable', qemu: { kind: 'ok' } },
    ovmfMissing: [],
    space: [
      {
        role: 'TMPDIR',
        path: '/tmp',
        measuredAt: '/tmp',
        freeBytes: 50 * GiB,
        sizeBytes: 100 * GiB,
        tmpfs: false,
      },
      {
        role: 'image cache',
        path: '/root/.cache/image-create',
        measuredAt: '/root',
        freeBytes: 50 * GiB,
        sizeBytes: 100 * GiB,
        tmpfs: false,
      },
    ],
    memoryBytes: 16 * GiB,
    minTmpfsGiB: 2,
    noTmpfs: false,
    commands: [
      { name: 'imagewright', path: '/usr/local/bin/imagewright', ours: true },
      { name: 'disk-image-create', path: '/usr/local/bin/disk-image-create', ours: true },
    ],
    ...overrides,
  }
}

function without(...missing: string[]): HostFacts['tools'] {
  const tools = { ...healthy().tools }
  for (const tool of missing) tools[tool] = undefined
  return tools
}

function find(checks: readonly Check[], id: string): Check {
  const check = checks.find((c) => c.id === id)
  if (!check) throw new Error(`no check "${id}" in ${checks.map((c) => c.id).join(', ')}`)
  return check
}

describe('checkHost()', () => {
  it('passes every check on a host that has everything, and says builds can work', () => {
    const checks = checkHost(healthy())
    expect(checks.filter((c) => c.status !== 'ok')).toEqual([])
    expect(buildsCanWork(checks)).toBe(true)
    for (const check of checks) expect(check.limits, check.id).not.toBe('')
  })

  it('checks the mkfs of every filesystem the filesystem table knows', () => {
    const ids = checkHost(healthy()).map((c) => c.id)
    for (const row of Object.values(FILESYSTEMS)) expect(ids).toContain(row.mkfs)
  })

  it('fails when not root: no build can work, though plan and boot-test still do', () => {
    const checks = checkHost(
      healthy({ uid: 1000, partitionScan: { kind: 'skipped', why: 'it needs root' } }),
    )
    expect(find(checks, 'root')).toMatchObject({ status: 'fail', found: 'running as uid 1000' })
    expect(find(checks, 'root').limits).toContain('boot-test work without root')
    expect(find(checks, 'loop-devices')).toMatchObject({
      status: 'warn',
      found: expect.stringContaining('not tried: it needs root'),
    })
    expect(buildsCanWork(checks)).toBe(false)
  })

  it('fails without loop devices or when a loop device shows no partitions', () => {
    expect(find(checkHost(healthy({ loopControl: false })), 'loop-devices')).toMatchObject({
      status: 'fail',
      packages: ['kmod'],
    })
    const failed = find(
      checkHost(healthy({ partitionScan: { kind: 'failed', why: 'p1 did not appear' } })),
      'loop-devices',
    )
    expect(failed).toMatchObject({
      status: 'fail',
      found: 'partition scanning failed: p1 did not appear',
    })
  })

  it('fails when a core command is missing, naming the packages that bring them', () => {
    const check = find(
      checkHost(healthy({ tools: without('sfdisk', 'partx', 'losetup') })),
      'core-tools',
    )
    expect(check).toMatchObject({
      status: 'fail',
      found: 'missing losetup, partx, sfdisk',
      packages: ['fdisk', 'mount', 'util-linux'],
    })
    expect(check.fix).toBe('apt-get install fdisk mount util-linux')
  })

  it('warns about one missing mkfs with what it limits, and fails when no root filesystem can be made', () => {
    const xfs = find(checkHost(healthy({ tools: without('mkfs.xfs') })), 'mkfs.xfs')
    expect(xfs).toMatchObject({
      status: 'warn',
      packages: ['xfsprogs'],
      fix: 'apt-get install xfsprogs',
    })
    expect(xfs.limits).toContain('FS_TYPE=xfs')
    expect(find(checkHost(healthy({ tools: without('mkfs.vfat') })), 'mkfs.vfat').limits).toContain(
      'EFI system partitions',
    )
    const none = checkHost(
      healthy({ tools: without('mkfs.ext2', 'mkfs.ext3', 'mkfs.ext4', 'mkfs.xfs', 'mkfs.btrfs') }),
    )
    expect(find(none, 'root-filesystem')).toMatchObject({ status: 'fail', packages: ['e2fsprogs'] })
    expect(buildsCanWork(none)).toBe(false)
  })

  it('accepts vfat from the kernel, from a loadable module, or through fusefat, and warns otherwise', () => {
    const noVfat = {
      procFilesystems: 'nodev\tfuse\n\text4\n',
      modulesDep: undefined,
      modulesBuiltin: undefined,
    }
    expect(find(checkHost(healthy({ kernelFilesystems: noVfat })), 'vfat')).toMatchObject({
      status: 'ok',
      found: expect.stringContaining('fusefat'),
    })
    const module = {
      ...noVfat,
      modulesDep: 'kernel/fs/fat/vfat.ko.zst: kernel/fs/fat/fat.ko.zst\n',
    }
    expect(
      find(checkHost(healthy({ kernelFilesystems: module, tools: without('fusefat') })), 'vfat'),
    ).toMatchObject({ status: 'ok', found: 'the kernel mounts vfat' })
    const missing = find(
      checkHost(healthy({ kernelFilesystems: noVfat, tools: without('fusefat') })),
      'vfat',
    )
    expect(missing).toMatchObject({
      status: 'warn',
      packages: ['fusefat'],
      fix: 'apt-get install fusefat',
    })
    expect(missing.limits).toContain('EFI system partitions')
    expect(
      find(checkHost(healthy({ kernelFilesystems: noVfat, fuseDevice: false })), 'vfat').found,
    ).toContain('no /dev/fuse')
  })

  it('says KVM is absent, not accessible, or present but aborting QEMU; none of these stops a build', () => {
    const absent = checkHost(
      healthy({ kvm: { device: 'absent', qemu: { kind: 'skipped', why: 'cannot open' } } }),
    )
    expect(find(absent, 'kvm')).toMatchObject({ status: 'warn', found: 'no /dev/kvm' })
    expect(buildsCanWork(absent)).toBe(true)
    expect(
      find(
        checkHost(
          healthy({ kvm: { device: 'no-access', qemu: { kind: 'skipped', why: 'EACCES' } } }),
        ),
        'kvm',
      ).fix,
    ).toContain('kvm group')
    const aborting = find(
      checkHost(
        healthy({
          kvm: {
            device: 'usable',
            qemu: {
              kind: 'failed',
              why: 'QEMU exited after 0.2 s with status 134: KVM internal error',
            },
          },
        }),
      ),
      'kvm',
    )
    expect(aborting).toMatchObject({
      status: 'warn',
      found: expect.stringContaining('QEMU fails under KVM: QEMU exited after 0.2 s'),
    })
    expect(aborting.fix).toContain('leave out --kvm')
  })

  it('warns without QEMU, qemu-img, OVMF, sgdisk or a bootstrap tool, naming the package', () => {
    const checks = checkHost(
      healthy({
        tools: without('qemu-system-x86_64', 'qemu-img', 'sgdisk', 'mmdebstrap', 'debootstrap'),
        ovmfMissing: ['/usr/share/OVMF/OVMF_CODE_4M.fd'],
      }),
    )
    expect(find(checks, 'qemu')).toMatchObject({ status: 'warn', packages: ['qemu-system-x86'] })
    expect(find(checks, 'qemu-img')).toMatchObject({ status: 'warn', packages: ['qemu-utils'] })
    expect(find(checks, 'ovmf')).toMatchObject({ status: 'warn', packages: ['ovmf'] })
    expect(find(checks, 'sgdisk')).toMatchObject({ status: 'warn', packages: ['gdisk'] })
    expect(find(checks, 'bootstrap')).toMatchObject({ status: 'warn', packages: ['mmdebstrap'] })
    expect(buildsCanWork(checks)).toBe(true)
    expect(find(checkHost(healthy({ tools: without('mmdebstrap') })), 'bootstrap')).toMatchObject({
      status: 'ok',
      found: 'debootstrap',
    })
  })

  it('judges free space: under 1 GiB in TMPDIR stops builds, under 4 GiB warns; a small cache warns', () => {
    const space = (tmpFree: number, cacheFree: number): HostFacts['space'] => [
      {
        role: 'TMPDIR',
        path: '/srv/tmp',
        measuredAt: '/srv',
        freeBytes: tmpFree,
        sizeBytes: 8 * GiB,
        tmpfs: true,
      },
      {
        role: 'image cache',
        path: '/c',
        measuredAt: '/c',
        freeBytes: cacheFree,
        sizeBytes: 8 * GiB,
        tmpfs: false,
      },
    ]
    const tight = checkHost(healthy({ space: space(0.5 * GiB, 0.5 * GiB) }))
    expect(find(tight, 'space-tmpdir')).toMatchObject({
      status: 'fail',
      found: expect.stringMatching(
        /^0\.5 GiB free in \/srv\/tmp \(on \/srv\), a tmpfs of 8\.0 GiB; /,
      ),
    })
    expect(find(tight, 'space-cache')).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('DIB_IMAGE_CACHE'),
    })
    expect(buildsCanWork(tight)).toBe(false)
    expect(
      find(checkHost(healthy({ space: space(2 * GiB, 2 * GiB) })), 'space-tmpdir').status,
    ).toBe('warn')
  })

  it('says which disk-image-create a shell runs', () => {
    const dib = checkHost(
      healthy({
        commands: [{ name: 'disk-image-create', path: '/usr/bin/disk-image-create', ours: false }],
      }),
    )
    expect(find(dib, 'path-disk-image-create')).toMatchObject({
      status: 'warn',
      found: "/usr/bin/disk-image-create is not imagewright's (DIB's?)",
    })
    expect(find(dib, 'path-disk-image-create').fix).toContain('imagewright build')
    const none = checkHost(
      healthy({ commands: [{ name: 'imagewright', path: undefined, ours: false }] }),
    )
    expect(find(none, 'path-imagewright')).toMatchObject({
      status: 'warn',
      found: 'not on PATH',
      fix: expect.stringContaining('scripts/link-commands.sh'),
    })
  })
})

describe('buildTmpfsNote()', () => {
  it('follows the build: tmpfs with twice --min-tmpfs of RAM, none with --no-tmpfs', () => {
    expect(buildTmpfsNote({ memoryBytes: 16 * GiB, minTmpfsGiB: 2, noTmpfs: false })).toBe(
      'builds use a tmpfs of up to 8.0 GiB (half the RAM)',
    )
    expect(buildTmpfsNote({ memoryBytes: 3 * GiB, minTmpfsGiB: 2, noTmpfs: false })).toBe(
      'builds do not use tmpfs (3.0 GiB RAM, needs 4.0 GiB)',
    )
    expect(buildTmpfsNote({ memoryBytes: 16 * GiB, minTmpfsGiB: 2, noTmpfs: true })).toContain(
      '--no-tmpfs',
    )
  })
})
