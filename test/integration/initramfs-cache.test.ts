// The initramfs cache: the dpkg element's bin/imagewright-mkinitramfs in a host-os chroot, fed
// by a real step store through its exchange directory (cache/initramfs-store.ts). A stand-in
// mkinitramfs counts the builds; test/system/debian-vm.test.ts runs the real one.
import { chmod, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  closeInitramfsExchange,
  INITRAMFS_KIND,
  openInitramfsExchange,
  parseExchangeLog,
} from '../../src/cache/initramfs-store.ts'
import { StepStore } from '../../src/cache/store.ts'
import { script, writeFiles } from '../helpers/element-tree.ts'
import { makeHostOsRoot, placeHooks, runInRoot } from './elements-shell-fixture.ts'

const WRAPPER = '/tmp/in_target.d/bin/imagewright-mkinitramfs'
const STORE_IN_ROOT = 'var/cache/iw'

// Writes what it was asked for, and counts itself.
const FAKE_MKINITRAMFS = `
while [ $# -gt 0 ]; do
    case "$1" in
        -o) out=$2; shift ;;
        -v) ;;
        *) version=$1 ;;
    esac
    shift
done
echo "$version" >> /var/log/mkinitramfs-calls
echo "initramfs of $version, build $(wc -l < /var/log/mkinitramfs-calls)" > "$out"
chmod 0644 "$out"
`

async function kernelRoot(): Promise<{ root: string; store: StepStore }> {
  const root = await makeHostOsRoot({ HOST_OS_EXTRA_TOOLS: 'b2sum' })
  await placeHooks(root, { bin: 'dpkg/bin' })
  await writeFiles(root, {
    'usr/sbin/mkinitramfs': script(FAKE_MKINITRAMFS),
    'usr/lib/modules/1.0/kernel/virtio_blk.ko': 'module v1\n',
    'boot/vmlinuz-1.0': 'kernel\n',
    'etc/initramfs-tools/initramfs.conf': 'MODULES=most\n',
    // A hook names the files it reads: these become part of the key.
    'usr/share/initramfs-tools/hooks/fsck': script('cat /etc/fstab; [ -e /etc/crypttab ] || true'),
    'etc/fstab': 'LABEL=root / ext4 defaults 0 1\n',
    'etc/motd': 'hello\n',
  })
  return { root, store: new StepStore(join(root, STORE_IN_ROOT)) }
}

interface Built {
  readonly calls: number
  readonly image: string
  readonly stdout: string
  readonly reused: number
  readonly stored: number
}

/** One update-initramfs run's worth: an exchange opened, the wrapper run, the exchange closed. */
async function buildInitramfs(
  root: string,
  store: StepStore,
  env: Readonly<Record<string, string>> = {},
): Promise<Built> {
  const exchange = await openInitramfsExchange(store)
  const inRoot = `/${exchange.slice(root.length + 1)}`
  const run = await runInRoot(root, [WRAPPER, '-o', '/boot/initrd.img-1.0.new', '1.0'], {
    IMAGEWRIGHT_INITRAMFS_CACHE: inRoot,
    ...env,
  })
  expect(run.stderr).toBe('')
  expect(run.exitCode).toBe(0)
  const outcome = await closeInitramfsExchange(store, exchange)
  const calls = (await readFile(join(root, 'var/log/mkinitramfs-calls'), 'utf8').catch(() => ''))
    .split('\n')
    .filter((l) => l !== '').length
  return {
    calls,
    image: await readFile(join(root, 'boot/initrd.img-1.0.new'), 'utf8'),
    stdout: run.stdout,
    reused: outcome.reused.length,
    stored: outcome.stored.length,
  }
}

describe('initramfs cache', () => {
  it('builds once, then reuses while the inputs stay; each input change builds again', async () => {
    const { root, store } = await kernelRoot()
    const first = await buildInitramfs(root, store)
    expect(first).toMatchObject({ calls: 1, stored: 1, reused: 0 })
    expect(first.image).toBe('initramfs of 1.0, build 1\n')
    const entries = (await store.list()).filter((e) => e.manifest.step === INITRAMFS_KIND)
    expect(entries.map((e) => e.manifest.what)).toEqual(['initramfs of kernel 1.0'])

    await rm(join(root, 'boot/initrd.img-1.0.new'))
    const again = await buildInitramfs(root, store)
    expect(again).toMatchObject({ calls: 1, stored: 0, reused: 1 })
    expect(again.image).toBe(first.image)
    expect(again.stdout).toMatch(/reused the initramfs built from the same inputs/)

    // Files no initramfs-tools file names are not inputs.
    await writeFiles(root, { 'etc/motd': 'changed\n', 'root/notes': 'x\n', 'var/log/x': 'y\n' })
    expect(await buildInitramfs(root, store)).toMatchObject({ calls: 1, reused: 1 })

    const changes: [string, () => Promise<unknown>][] = [
      ['a module', () => writeFiles(root, { 'usr/lib/modules/1.0/kernel/virtio_blk.ko': 'v2\n' })],
      ['a new file in /usr', () => writeFiles(root, { 'usr/lib/firmware/x.bin': 'fw\n' })],
      ['a mode in /usr', () => chmod(join(root, 'usr/lib/firmware/x.bin'), 0o600)],
      ['a file a hook names', () => writeFiles(root, { 'etc/fstab': 'LABEL=other / xfs 0 1\n' })],
      ['a named file appearing', () => writeFiles(root, { 'etc/crypttab': 'root UUID=x none\n' })],
      [
        'its configuration',
        () => writeFiles(root, { 'etc/initramfs-tools/conf.d/x': 'RESUME=none\n' }),
      ],
      [
        'the modprobe configuration',
        () => writeFiles(root, { 'etc/modprobe.d/x.conf': 'blacklist y\n' }),
      ],
      ['the kernel in /boot', () => writeFiles(root, { 'boot/config-1.0': 'CONFIG_RD_ZSTD=y\n' })],
    ]
    let calls = 1
    for (const [what, change] of changes) {
      await change()
      const built = await buildInitramfs(root, store)
      calls += 1
      expect(built, what).toMatchObject({ calls, stored: 1, reused: 0 })
      expect(built.image, what).toBe(`initramfs of 1.0, build ${calls}\n`)
    }
    // The environment mkinitramfs reads is an input too.
    expect(await buildInitramfs(root, store, { SOURCE_DATE_EPOCH: '1700000000' })).toMatchObject({
      calls: calls + 1,
      stored: 1,
    })
    // Its own initramfs files in /boot are not.
    await writeFiles(root, { 'boot/initrd.img-1.0': 'old image\n' })
    expect(await buildInitramfs(root, store)).toMatchObject({ calls: calls + 1, reused: 1 })
    expect(await store.list()).toHaveLength(calls + 1)
  })

  it('leaves every other call to the real mkinitramfs, and builds when no cache is offered', async () => {
    const { root, store } = await kernelRoot()
    const odd = await runInRoot(root, [WRAPPER, '-d', '/etc/x', '-o', '/tmp/out', '1.0'], {
      IMAGEWRIGHT_INITRAMFS_CACHE: '/nonexistent',
    })
    expect(odd.exitCode).toBe(0)
    const plain = await runInRoot(root, [WRAPPER, '-o', '/tmp/out2', '1.0'])
    expect(plain.exitCode).toBe(0)
    expect(await readFile(join(root, 'var/log/mkinitramfs-calls'), 'utf8')).toBe('1.0\n1.0\n')
    expect(await store.list()).toEqual([])
  })

  it('reads only the lines the wrapper writes from the exchange logs', () => {
    const key = 'a'.repeat(64)
    expect(
      parseExchangeLog(
        `${key} 6.1.0-1-amd64 42\n${key} 6.1.0-2-amd64\n../../etc 1.0 3\n${key}\n${key} 1 2 3\n${key} 1 NaN\n`,
      ),
    ).toEqual([
      { key, kernel: '6.1.0-1-amd64', seconds: 42 },
      { key, kernel: '6.1.0-2-amd64' },
    ])
  })
})
