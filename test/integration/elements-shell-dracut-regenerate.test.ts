// dracut-regenerate's finalise.d script in a host-os chroot with stand-in install-packages,
// update-initramfs and dracut: initramfs-tools is held while the module packages install (their
// hooks would write an initrd that dracut writes again at once), and put back in every case.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { script, useTempDir, writeFiles } from '../helpers/element-tree.ts'
import { HOST_OS, hookEnv, placeHooks, runInRoot, runOnHost } from './elements-shell-fixture.ts'

const REGENERATE = '/tmp/in_target.d/finalise.d/50-dracut-regenerate'
const MODULES = '- name: lvm\n  packages: [lvm2]\n'

// install-packages as apt would run it: the packages' initramfs trigger calls update-initramfs.
const FAKE_INSTALL = `
echo "$*" >> /var/log/installed
update-initramfs -u
[ ! -f /var/lib/fake-apt/fail ]
`
const REAL_UPDATE_INITRAMFS = 'echo "$*" >> /var/log/initramfs-calls'
const FAKE_DRACUT =
  'echo "$*" >> /var/log/dracut-calls\nfor last; do :; done\necho dracut > "$last"'

// One host-os root with dpkg-divert for the file (building one takes seconds), copied per test.
let template: Promise<string> | undefined
afterAll(async () => {
  if (template !== undefined) await rm(await template, { recursive: true, force: true })
})

async function makeTemplate(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'iw-dracut-regenerate-root-'))
  const env = hookEnv({ TARGET_ROOT: dir, HOST_OS_EXTRA_TOOLS: 'dpkg-divert' })
  const built = await runOnHost([join(HOST_OS, 'root.d/10-host-os-root')], env)
  if (built.exitCode !== 0) throw new Error(`host-os root.d failed:\n${built.stderr}`)
  return dir
}

async function regenerateRoot(): Promise<string> {
  template ??= makeTemplate()
  const root = await useTempDir('iw-dracut-regenerate-')
  const copied = await runOnHost(['cp', '-a', `${await template}/.`, root])
  if (copied.exitCode !== 0) throw new Error(`Cannot copy the root:\n${copied.stderr}`)
  await placeHooks(root, { 'finalise.d': 'dracut-regenerate/finalise.d' })
  await writeFiles(root, {
    'var/lib/dpkg/status': '',
    'etc/debian_version': '12.8\n',
    'boot/vmlinuz-1.0': '',
    'usr/local/bin/install-packages': script(FAKE_INSTALL),
    'usr/sbin/update-initramfs': script(REAL_UPDATE_INITRAMFS),
    'usr/bin/dracut': script(FAKE_DRACUT),
  })
  return root
}

const lines = async (root: string, log: string): Promise<string[]> =>
  (await readFile(join(root, 'var/log', log), 'utf8').catch(() => '')).split('\n').filter(Boolean)

async function expectInitramfsToolsBack(root: string): Promise<void> {
  expect((await runInRoot(root, ['dpkg-divert', '--list'])).stdout).toBe('')
  expect(await readFile(join(root, 'usr/sbin/update-initramfs'), 'utf8')).toContain(
    REAL_UPDATE_INITRAMFS,
  )
}

describe('dracut-regenerate', () => {
  it('holds update-initramfs while the packages install, then dracut writes the initrd', async () => {
    const root = await regenerateRoot()
    const run = await runInRoot(root, [REGENERATE], { DIB_DRACUT_ENABLED_MODULES: MODULES })
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('update-initramfs: held')
    expect(await lines(root, 'installed')).toEqual(['lvm2'])
    expect(await lines(root, 'initramfs-calls')).toEqual([])
    expect(await lines(root, 'dracut-calls')).toEqual([
      '--force --no-hostonly --kver 1.0 --add lvm /boot/initrd.img-1.0',
    ])
    expect(await readFile(join(root, 'boot/initrd.img-1.0'), 'utf8')).toBe('dracut\n')
    await expectInitramfsToolsBack(root)
  })

  it('puts update-initramfs back when the install fails', async () => {
    const root = await regenerateRoot()
    await writeFiles(root, { 'var/lib/fake-apt/fail': '' })
    const run = await runInRoot(root, [REGENERATE], { DIB_DRACUT_ENABLED_MODULES: MODULES })
    expect(run.exitCode).not.toBe(0)
    expect(await lines(root, 'dracut-calls')).toEqual([])
    await expectInitramfsToolsBack(root)
  })

  it('leaves update-initramfs alone when no module names packages', async () => {
    const root = await regenerateRoot()
    const run = await runInRoot(root, [REGENERATE], { DIB_DRACUT_ENABLED_MODULES: 'lvm crypt' })
    expect(run.exitCode).toBe(0)
    expect(run.stdout).not.toContain('held')
    expect(await lines(root, 'installed')).toEqual([])
    expect(await lines(root, 'dracut-calls')).toEqual([
      '--force --no-hostonly --kver 1.0 --add lvm crypt /boot/initrd.img-1.0',
    ])
    await expectInitramfsToolsBack(root)
  })
})
