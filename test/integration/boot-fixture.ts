// A real kernel and a tiny busybox initramfs to boot under QEMU, without building an image and
// without installing anything on the host: Debian's kernel and busybox-static packages are
// downloaded and unpacked into a cache once, then reused by every test run.
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { join, relative } from 'node:path'
import type { Runner } from '../../src/exec/command.ts'
import { TEST_CACHE } from '../helpers/cli.ts'

const CACHE = join(TEST_CACHE, 'boot')

// Enough to see a virtio disk; listed in load order (each after what it depends on).
const MODULES = [
  'drivers/virtio/virtio_ring.ko',
  'drivers/virtio/virtio.ko',
  'drivers/virtio/virtio_pci_modern_dev.ko',
  'drivers/virtio/virtio_pci_legacy_dev.ko',
  'drivers/virtio/virtio_pci.ko',
  'drivers/block/virtio_blk.ko',
]

export const TEST_USER = 'root'
export const TEST_PASSWORD = 'secret'

// A getty-like loop: prompt, read a user and a password, then a shell on the console.
const INIT = `#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for module in ${MODULES.map((m) => m.split('/').pop()?.replace('.ko', '')).join(' ')}; do
  insmod /lib/modules/$module.ko
done
echo 'imagewright test VM is up'
while :; do
  printf 'testvm login: '
  read -r user
  printf 'Password: '
  stty -echo
  read -r password
  stty echo
  echo
  [ "$user" = ${TEST_USER} ] && [ "$password" = ${TEST_PASSWORD} ] && break
  echo 'Login incorrect'
done
echo 'Welcome to the imagewright test VM'
export PS1='testvm# '
exec setsid cttyhack sh
`

export interface BootFixture {
  readonly kernel: string
  readonly initrd: string
  readonly kernelRelease: string
  readonly append: string
}

export async function prepareBootFixture(runner: Runner): Promise<BootFixture> {
  await mkdir(CACHE, { recursive: true })
  const kernelPackage = await resolveKernelPackage(runner)
  const kernelRelease = kernelPackage.replace(/^linux-image-/, '')
  const kernelDir = join(CACHE, `kernel-${kernelRelease}`)
  if (!existsSync(kernelDir)) await unpackKernel(runner, kernelPackage, kernelDir)
  const hash = createHash('sha256').update(INIT).update(kernelRelease).digest('hex').slice(0, 12)
  const initrd = join(CACHE, `initramfs-${hash}.cpio`)
  if (!existsSync(initrd)) await buildInitramfs(runner, kernelDir, initrd)
  return {
    kernel: join(kernelDir, 'vmlinuz'),
    initrd,
    kernelRelease,
    append: 'console=ttyS0 quiet panic=-1',
  }
}

async function resolveKernelPackage(runner: Runner): Promise<string> {
  const cached = (await readdir(CACHE)).find((name) => name.startsWith('kernel-'))
  if (cached) return `linux-image-${cached.slice('kernel-'.length)}`
  const depends = await runner.run(
    { argv: ['apt-cache', 'depends', 'linux-image-amd64'] },
    { quiet: true },
  )
  const match = /Depends: (linux-image-[\w.+-]+-amd64)/.exec(depends.stdout)
  if (!match?.[1]) throw new Error(`Cannot find the kernel package in:\n${depends.stdout}`)
  return match[1]
}

/** Download into a staging dir and rename into place, so a half-done download is never used. */
async function unpackKernel(runner: Runner, kernelPackage: string, kernelDir: string) {
  const staging = await mkdtemp(join(CACHE, 'staging-'))
  try {
    await download(runner, staging, [kernelPackage, 'busybox-static'])
    const debs = await readdir(staging)
    const tree = join(staging, 'tree')
    for (const deb of debs) {
      await runner.run({ argv: ['dpkg-deb', '-x', join(staging, deb), tree] }, { quiet: true })
    }
    const release = kernelPackage.replace(/^linux-image-/, '')
    const result = join(staging, 'result')
    await mkdir(join(result, 'modules'), { recursive: true })
    await copyFile(join(tree, 'boot', `vmlinuz-${release}`), join(result, 'vmlinuz'))
    await copyFile(join(tree, 'bin', 'busybox'), join(result, 'busybox'))
    for (const module of MODULES) {
      const source = join(tree, 'lib', 'modules', release, 'kernel', module)
      await copyFile(source, join(result, 'modules', module.split('/').pop() ?? module))
    }
    await rename(result, kernelDir).catch((error: unknown) => {
      // Another test file finished the same download first; its copy is as good.
      if (!existsSync(kernelDir)) throw error
    })
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

async function download(runner: Runner, dir: string, packages: string[]): Promise<void> {
  const argv: [string, ...string[]] = ['apt-get', 'download', ...packages]
  const first = await runner.run({ argv, cwd: dir }, { quiet: true, allowFailure: true })
  if (first.exitCode === 0) return
  // Package lists may be stale or absent on a fresh machine.
  await runner.run({ argv: ['apt-get', 'update'] }, { quiet: true })
  await runner.run({ argv, cwd: dir }, { quiet: true })
}

async function buildInitramfs(runner: Runner, kernelDir: string, initrd: string): Promise<void> {
  const staging = await mkdtemp(join(CACHE, 'initramfs-'))
  try {
    const root = join(staging, 'root')
    await mkdir(join(root, 'bin'), { recursive: true })
    await mkdir(join(root, 'lib', 'modules'), { recursive: true })
    await copyFile(join(kernelDir, 'busybox'), join(root, 'bin', 'busybox'))
    await chmod(join(root, 'bin', 'busybox'), 0o755)
    await symlink('busybox', join(root, 'bin', 'sh'))
    for (const module of await readdir(join(kernelDir, 'modules'))) {
      await copyFile(join(kernelDir, 'modules', module), join(root, 'lib', 'modules', module))
    }
    await writeFile(join(root, 'init'), INIT, { mode: 0o755 })
    const entries = await readdir(root, { recursive: true })
    const list = ['.', ...entries.map((entry) => relative(root, join(root, entry)))]
    const archive = join(staging, 'initramfs.cpio')
    await runner.run(
      {
        argv: ['cpio', '--create', '--format=newc', '--owner=0:0', '--quiet', `--file=${archive}`],
        cwd: root,
        input: `${list.join('\n')}\n`,
      },
      { quiet: true },
    )
    await rename(archive, initrd)
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}
