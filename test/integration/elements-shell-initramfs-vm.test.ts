// The initramfs-vm element in a host-os chroot: what pre-install.d writes on a dpkg root, its
// hook run against a stand-in hook-functions, and the refusals on roots it cannot serve. The
// real initramfs it makes is booted in test/system/boot-matrix.test.ts.
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { script, writeFiles } from '../helpers/element-tree.ts'
import { makeHostOsRoot, placeHooks, runInRoot } from './elements-shell-fixture.ts'

const IN_TARGET = '/tmp/in_target.d'
const PRE = `${IN_TARGET}/pre-install.d/04-initramfs-vm`
const CHECK = `${IN_TARGET}/post-install.d/90-initramfs-vm-check`
const CONF = 'etc/initramfs-tools/conf.d/imagewright-initramfs-vm'
const HOOK = 'etc/initramfs-tools/hooks/imagewright-initramfs-vm'

async function elementRoot(dpkg: boolean): Promise<string> {
  const root = await makeHostOsRoot()
  await placeHooks(root, {
    'pre-install.d': 'initramfs-vm/pre-install.d',
    'post-install.d': 'initramfs-vm/post-install.d',
  })
  if (dpkg) await writeFiles(root, { 'usr/bin/dpkg': script(), 'var/lib/dpkg/status': '' })
  return root
}

describe('initramfs-vm', () => {
  it('writes MODULES=list and a hook that adds the VM disk drivers only under MODULES=list', async () => {
    const root = await elementRoot(true)
    const pre = await runInRoot(root, [PRE], { DIB_DEBUG_TRACE: '0' })
    expect(pre.stderr).toBe('')
    expect(pre.exitCode).toBe(0)
    expect(await readFile(join(root, CONF), 'utf8')).toMatch(/^MODULES=list$/m)
    expect((await stat(join(root, HOOK))).mode & 0o777).toBe(0o755)

    // initramfs-tools' hook protocol, with a hook-functions that records what is added
    await writeFiles(root, {
      'usr/share/initramfs-tools/hook-functions':
        'manual_add_modules() { echo "$@" >> /var/log/added; }\nforce_load() { exit 9; }\n',
    })
    const prereqs = await runInRoot(root, ['/bin/sh', `/${HOOK}`, 'prereqs'])
    expect(prereqs).toMatchObject({ exitCode: 0, stdout: '' })
    const most = await runInRoot(root, ['/bin/sh', `/${HOOK}`], { MODULES: 'most' })
    expect(most.exitCode).toBe(0)
    await expect(stat(join(root, 'var/log/added'))).rejects.toThrow()
    const list = await runInRoot(root, ['/bin/sh', `/${HOOK}`], { MODULES: 'list' })
    expect(list.exitCode).toBe(0)
    const added = (await readFile(join(root, 'var/log/added'), 'utf8')).split(/\s+/)
    for (const module of ['virtio_blk', 'virtio_scsi', 'nvme', 'ahci', 'ata_piix', 'sd_mod'])
      expect(added).toContain(module)
    for (const module of ['ext4', 'xfs', 'btrfs', 'vfat', 'crc32c_generic', 'hv_storvsc'])
      expect(added).toContain(module)
  })

  it('refuses a root without dpkg, writing nothing', async () => {
    const root = await elementRoot(false)
    const pre = await runInRoot(root, [PRE])
    expect(pre.exitCode).toBe(1)
    expect(pre.stderr).toContain('initramfs-vm: this root has no dpkg')
    await expect(stat(join(root, 'etc/initramfs-tools'))).rejects.toThrow()
  })

  it('passes when initramfs-tools builds the initramfs, refuses dracut, and notes neither', async () => {
    const tools = await elementRoot(true)
    await writeFiles(tools, { 'usr/sbin/mkinitramfs': script() })
    expect(await runInRoot(tools, [CHECK])).toMatchObject({ exitCode: 0, stdout: '' })

    const dracut = await elementRoot(true)
    await writeFiles(dracut, { 'usr/bin/dracut': script() })
    const refused = await runInRoot(dracut, [CHECK])
    expect(refused.exitCode).toBe(1)
    expect(refused.stderr).toContain('builds its initramfs with dracut, not initramfs-tools')

    const neither = await runInRoot(await elementRoot(true), [CHECK])
    expect(neither.exitCode).toBe(0)
    expect(neither.stdout).toContain('initramfs-tools is not installed')
  })
})
