// `imagewright doctor`'s judgements: pure functions from HostFacts to checks. Each check says
// what it found, what a problem there limits, and the Debian package (or action) that fixes it.
// "fail" means no disk image build can work on this host; "warn" means some builds or boot
// tests cannot.
import { kernelHasDriver } from '../blockdevice/run/fuse-mount.ts'
import { FILESYSTEMS, linuxRootTypes, packageOfMkfs } from '../blockdevice/filesystems.ts'
import { TOOL_PACKAGES } from '../host/host-tools.ts'
import type { HostFacts, SpaceFacts } from './facts.ts'

export type CheckStatus = 'ok' | 'warn' | 'fail'

export interface Check {
  readonly id: string
  readonly title: string
  readonly status: CheckStatus
  readonly found: string
  /** What depends on this: what cannot work when the check is not ok. */
  readonly limits: string
  /** A concrete next step when the check is not ok. */
  readonly fix?: string
  /** Debian packages that fix it (none when the fix is not a package). */
  readonly packages: readonly string[]
}

/** Commands every disk image build runs. */
export const CORE_TOOLS = [
  'losetup',
  'mount',
  'umount',
  'findmnt',
  'partx',
  'chroot',
  'cp',
  'du',
  'sfdisk',
] as const
/** Every command a check below asks about; probe.ts looks each one up. */
export const DOCTOR_TOOLS = [
  ...CORE_TOOLS,
  'sgdisk',
  'qemu-img',
  'qemu-system-x86_64',
  'mmdebstrap',
  'debootstrap',
  'fusefat',
  ...Object.values(FILESYSTEMS).map((row) => row.mkfs),
] as const

const GiB = 1024 ** 3
/** Below this a default Debian build (tree, raw disk, qcow2) does not fit in TMPDIR. */
export const TMPDIR_WANTED_BYTES = 4 * GiB
export const TMPDIR_MINIMUM_BYTES = 1 * GiB
export const CACHE_WANTED_BYTES = 1 * GiB

function packagesFor(tools: readonly string[]): string[] {
  return [
    ...new Set(tools.map((tool) => TOOL_PACKAGES[tool] ?? packageOfMkfs(tool) ?? tool)),
  ].sort()
}

function installFix(packages: readonly string[]): string {
  return `apt-get install ${packages.join(' ')}`
}

function gib(bytes: number): string {
  return `${(bytes / GiB).toFixed(1)} GiB`
}

export function checkHost(facts: HostFacts): Check[] {
  const has = (tool: string): boolean => facts.tools[tool] !== undefined
  const checks: Check[] = []
  const add = (check: Check): void => {
    checks.push(check)
  }

  add(
    facts.uid === 0
      ? {
          id: 'root',
          title: 'root',
          status: 'ok',
          found: 'running as root',
          limits: 'every build (loop devices, mounts, chroot)',
          packages: [],
        }
      : {
          id: 'root',
          title: 'root',
          status: 'fail',
          found: `running as uid ${facts.uid}`,
          limits:
            'every build (loop devices, mounts, chroot); plan, report and boot-test work without root',
          fix: 'run builds as root, e.g. sudo -E disk-image-create ... (-E keeps your DIB_* settings)',
          packages: [],
        },
  )

  const missingCore = CORE_TOOLS.filter((tool) => !has(tool))
  add(
    missingCore.length === 0
      ? {
          id: 'core-tools',
          title: 'core commands',
          status: 'ok',
          found: CORE_TOOLS.join(', '),
          limits: 'every build',
          packages: [],
        }
      : {
          id: 'core-tools',
          title: 'core commands',
          status: 'fail',
          found: `missing ${missingCore.join(', ')}`,
          limits: 'every build',
          fix: installFix(packagesFor(missingCore)),
          packages: packagesFor(missingCore),
        },
  )

  add(loopCheck(facts))

  add(
    facts.deviceMapper
      ? {
          id: 'device-mapper',
          title: 'device-mapper',
          status: 'ok',
          found: '/dev/mapper/control',
          limits: 'layouts with lvm nodes',
          packages: [],
        }
      : {
          id: 'device-mapper',
          title: 'device-mapper',
          status: 'warn',
          found: 'no /dev/mapper/control',
          limits: 'layouts with lvm nodes are refused; every other layout uses losetup --partscan',
          fix: 'modprobe dm_mod (a kernel with device-mapper), and apt-get install dmsetup lvm2',
          packages: ['dmsetup', 'lvm2'],
        },
  )

  add(vfatCheck(facts))

  for (const { mkfs: tool, neededFor } of Object.values(FILESYSTEMS)) {
    const packages = packagesFor([tool])
    add(
      has(tool)
        ? {
            id: tool,
            title: tool,
            status: 'ok',
            found: facts.tools[tool] ?? tool,
            limits: neededFor,
            packages: [],
          }
        : {
            id: tool,
            title: tool,
            status: 'warn',
            found: 'missing',
            limits: neededFor,
            fix: installFix(packages),
            packages,
          },
    )
  }
  const rootMkfs = linuxRootTypes().filter((type) => has(FILESYSTEMS[type].mkfs))
  if (rootMkfs.length === 0) {
    add({
      id: 'root-filesystem',
      title: 'a root filesystem',
      status: 'fail',
      found: 'no mkfs for ext2/3/4, xfs or btrfs',
      limits: 'every disk image build',
      fix: installFix(['e2fsprogs']),
      packages: ['e2fsprogs'],
    })
  }

  add(
    has('sgdisk')
      ? {
          id: 'sgdisk',
          title: 'sgdisk',
          status: 'ok',
          found: facts.tools['sgdisk'] ?? 'sgdisk',
          limits: 'GPT layouts (block-device-gpt, -efi, -efi-4k)',
          packages: [],
        }
      : {
          id: 'sgdisk',
          title: 'sgdisk',
          status: 'warn',
          found: 'missing',
          limits: 'GPT layouts (block-device-gpt, -efi, -efi-4k)',
          fix: installFix(['gdisk']),
          packages: ['gdisk'],
        },
  )

  const bootstrap = ['mmdebstrap', 'debootstrap'].filter(has)
  add(
    bootstrap.length > 0
      ? {
          id: 'bootstrap',
          title: 'mmdebstrap/debootstrap',
          status: 'ok',
          found: bootstrap.join(', '),
          limits: 'Debian and Ubuntu roots (the debootstrap element, debian-minimal)',
          packages: [],
        }
      : {
          id: 'bootstrap',
          title: 'mmdebstrap/debootstrap',
          status: 'warn',
          found: 'neither is installed',
          limits: 'Debian and Ubuntu roots (the debootstrap element, debian-minimal)',
          fix: installFix(['mmdebstrap']),
          packages: ['mmdebstrap'],
        },
  )

  add(
    has('qemu-img')
      ? {
          id: 'qemu-img',
          title: 'qemu-img',
          status: 'ok',
          found: facts.tools['qemu-img'] ?? 'qemu-img',
          limits: 'qcow2 (the default), vhd, vhdx and vmdk outputs',
          packages: [],
        }
      : {
          id: 'qemu-img',
          title: 'qemu-img',
          status: 'warn',
          found: 'missing',
          limits: 'qcow2 (the default), vhd, vhdx and vmdk outputs; -t raw and tar still work',
          fix: installFix(['qemu-utils']),
          packages: ['qemu-utils'],
        },
  )

  add(
    has('qemu-system-x86_64')
      ? {
          id: 'qemu',
          title: 'QEMU',
          status: 'ok',
          found: facts.tools['qemu-system-x86_64'] ?? 'qemu-system-x86_64',
          limits: 'boot-test and --boot-test',
          packages: [],
        }
      : {
          id: 'qemu',
          title: 'QEMU',
          status: 'warn',
          found: 'qemu-system-x86_64 missing',
          limits: 'boot-test and --boot-test',
          fix: installFix(['qemu-system-x86']),
          packages: ['qemu-system-x86'],
        },
  )

  add(
    facts.ovmfMissing.length === 0
      ? {
          id: 'ovmf',
          title: 'OVMF',
          status: 'ok',
          found: 'UEFI firmware for QEMU',
          limits: 'UEFI boot tests (--uefi, 4Kn images)',
          packages: [],
        }
      : {
          id: 'ovmf',
          title: 'OVMF',
          status: 'warn',
          found: `missing ${facts.ovmfMissing.join(', ')}`,
          limits: 'UEFI boot tests (--uefi, 4Kn images); building EFI images still works',
          fix: installFix(['ovmf']),
          packages: ['ovmf'],
        },
  )

  add(kvmCheck(facts))
  for (const space of facts.space) add(spaceCheck(space, facts))
  for (const command of facts.commands) add(commandCheck(command))
  return checks
}

/** Whether any build can work: no check failed. */
export function buildsCanWork(checks: readonly Check[]): boolean {
  return checks.every((check) => check.status !== 'fail')
}

function loopCheck(facts: HostFacts): Check {
  const base = {
    id: 'loop-devices',
    title: 'loop devices and partition scanning',
    limits:
      'every disk image build (the disk is a loop device; partitions come from losetup --partscan)',
  }
  if (!facts.loopControl) {
    return {
      ...base,
      status: 'fail',
      found: 'no /dev/loop-control',
      fix: 'modprobe loop (apt-get install kmod), or give the container /dev/loop-control and /dev/loop*',
      packages: ['kmod'],
    }
  }
  const trial = facts.partitionScan
  if (trial.kind === 'ok')
    return {
      ...base,
      status: 'ok',
      found: 'a partitioned loop device showed its partition',
      packages: [],
    }
  if (trial.kind === 'skipped')
    return {
      ...base,
      status: 'warn',
      found: `/dev/loop-control present; partition scanning not tried: ${trial.why}`,
      packages: [],
    }
  return {
    ...base,
    status: 'fail',
    found: `partition scanning failed: ${trial.why}`,
    fix: 'use a kernel whose loop driver scans partitions, or free a loop device (losetup -a shows them)',
    packages: [],
  }
}

function vfatCheck(facts: HostFacts): Check {
  const base = {
    id: 'vfat',
    title: 'vfat or FUSE',
    limits: 'mounting EFI system partitions (block-device-efi, -efi-4k)',
  }
  if (kernelHasDriver('vfat', facts.kernelFilesystems))
    return { ...base, status: 'ok', found: 'the kernel mounts vfat', packages: [] }
  if (facts.tools['fusefat'] !== undefined && facts.fuseDevice)
    return {
      ...base,
      status: 'ok',
      found: 'no vfat driver in the kernel; ESPs are mounted through fusefat',
      packages: [],
    }
  const why = facts.fuseDevice ? 'fusefat is not installed' : 'no /dev/fuse'
  return {
    ...base,
    status: 'warn',
    found: `no vfat driver in the kernel, and ${why}`,
    fix: facts.fuseDevice
      ? installFix(['fusefat'])
      : 'modprobe fuse (or give the container /dev/fuse), and apt-get install fusefat',
    packages: ['fusefat'],
  }
}

function kvmCheck(facts: HostFacts): Check {
  const base = {
    id: 'kvm',
    title: 'KVM',
    limits:
      'fast boot tests (--kvm); without it boot tests run under TCG emulation, several times slower',
  }
  const { device, qemu } = facts.kvm
  if (device === 'absent')
    return {
      ...base,
      status: 'warn',
      found: 'no /dev/kvm',
      fix: 'enable virtualisation (or nested virtualisation) and load kvm_intel or kvm_amd',
      packages: [],
    }
  if (device === 'no-access')
    return {
      ...base,
      status: 'warn',
      found: '/dev/kvm cannot be opened read-write',
      fix: 'run as root, or add the user to the kvm group',
      packages: [],
    }
  if (qemu.kind === 'failed')
    return {
      ...base,
      status: 'warn',
      found: `/dev/kvm is present, but QEMU fails under KVM: ${qemu.why}`,
      fix: 'leave out --kvm (boot tests use TCG by default)',
      packages: [],
    }
  if (qemu.kind === 'skipped')
    return {
      ...base,
      status: 'warn',
      found: `/dev/kvm is present; QEMU under KVM not tried: ${qemu.why}`,
      packages: [],
    }
  return { ...base, status: 'ok', found: '/dev/kvm works: QEMU ran under KVM', packages: [] }
}

function spaceCheck(space: SpaceFacts, facts: HostFacts): Check {
  const isTmp = space.role === 'TMPDIR'
  const wanted = isTmp ? TMPDIR_WANTED_BYTES : CACHE_WANTED_BYTES
  const where =
    space.measuredAt === space.path ? space.path : `${space.path} (on ${space.measuredAt})`
  const tmpfsNote = space.tmpfs ? `, a tmpfs of ${gib(space.sizeBytes)}` : ''
  let found = `${gib(space.freeBytes)} free in ${where}${tmpfsNote}`
  if (isTmp) found += `; ${buildTmpfsNote(facts)}`
  const limits = isTmp
    ? `builds: the root tree, the raw disk and the outputs are made under TMPDIR (a default Debian image needs about ${gib(TMPDIR_WANTED_BYTES)})`
    : 'downloads and root tarballs kept between builds (DIB_IMAGE_CACHE, --image-cache)'
  const base = {
    id: isTmp ? 'space-tmpdir' : 'space-cache',
    title: `free space in ${space.role}`,
    found,
    limits,
    packages: [],
  }
  if (isTmp && space.freeBytes < TMPDIR_MINIMUM_BYTES)
    return {
      ...base,
      status: 'fail',
      fix: 'free space there, or point TMPDIR at a bigger filesystem',
    }
  if (space.freeBytes < wanted)
    return {
      ...base,
      status: 'warn',
      fix: isTmp
        ? 'free space there, or point TMPDIR at a bigger filesystem'
        : 'free space there, or set DIB_IMAGE_CACHE to a bigger filesystem',
    }
  return { ...base, status: 'ok' }
}

/** Whether builds will use their own tmpfs (DIB's rule: RAM at least twice --min-tmpfs). */
export function buildTmpfsNote(
  facts: Pick<HostFacts, 'memoryBytes' | 'minTmpfsGiB' | 'noTmpfs'>,
): string {
  if (facts.noTmpfs) return 'builds do not use tmpfs (--no-tmpfs / DIB_NO_TMPFS)'
  const needed = 2 * facts.minTmpfsGiB * GiB
  if (facts.memoryBytes < needed)
    return `builds do not use tmpfs (${gib(facts.memoryBytes)} RAM, needs ${gib(needed)})`
  return `builds use a tmpfs of up to ${gib(facts.memoryBytes / 2)} (half the RAM)`
}

function commandCheck(command: HostFacts['commands'][number]): Check {
  const base = {
    id: `path-${command.name}`,
    title: `${command.name} on PATH`,
    limits: `typing "${command.name}" runs imagewright's`,
  }
  if (command.path === undefined)
    return {
      ...base,
      status: 'warn',
      found: 'not on PATH',
      fix: 'scripts/link-commands.sh (or npm install -g imagewright); until then: node dist/cli/imagewright.js',
      packages: [],
    }
  if (command.ours) return { ...base, status: 'ok', found: command.path, packages: [] }
  return {
    ...base,
    status: 'warn',
    found: `${command.path} is not imagewright's (DIB's?)`,
    fix: "call imagewright build (always imagewright), or put imagewright's link first on PATH",
    packages: [],
  }
}
