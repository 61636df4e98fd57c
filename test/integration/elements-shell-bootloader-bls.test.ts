// The bootloader's BLS step (finalise.d/51-bootloader-bls-entries) in a host-os chroot holding
// what an RPM distribution's cloud image brings: kernel-install's entries in
// /boot/loader/entries, written for the vendor's layout. The entries must end up with the
// build's command line (root by label, from /etc/kernel/cmdline) and kernel paths relative to
// the filesystem holding /boot in the image being built. grub2's blscfg, which reads them at
// boot, is not in Debian's grub: no boot proves them here (docs/deviations.md).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeFiles } from '../helpers/element-tree.ts'
import { makeHostOsRoot, placeHooks, runInRoot, runOnHost } from './elements-shell-fixture.ts'

const SCRIPT = '/tmp/in_target.d/finalise.d/51-bootloader-bls-entries'
const VERSION = '5.14.0-570.el9.x86_64'
const ENTRY = `boot/loader/entries/3f0e6c5d2a9b4e1f8c7d6b5a49382716-${VERSION}.conf`
const CMDLINE =
  'root=LABEL=cloudimg-rootfs ro console=tty0 console=ttyS0,115200 no_timer_check nofb nomodeset gfxpayload=text'

/** kernel-install's entry on a cloud image, with the vendor's root UUID and paths. */
const vendorEntry = (prefix: string): string =>
  [
    `title CentOS Stream (${VERSION}) 9`,
    `version ${VERSION}`,
    `linux ${prefix}/vmlinuz-${VERSION}`,
    `initrd ${prefix}/initramfs-${VERSION}.img $tuned_initrd`,
    'options root=UUID=8c8b9f6e-0d2a-4f1e-9b7c-1a2b3c4d5e6f console=tty0 console=ttyS0,115200n8 no_timer_check net.ifnames=0',
    'grub_users $grub_users',
    'grub_arg --unrestricted',
    'grub_class centos',
    '',
  ].join('\n')

async function rpmRoot(entry: string, blscfg = true): Promise<string> {
  const root = await makeHostOsRoot()
  await placeHooks(root, { 'finalise.d': 'bootloader/finalise.d' })
  await writeFiles(root, {
    [`boot/vmlinuz-${VERSION}`]: 'kernel\n',
    [`boot/initramfs-${VERSION}.img`]: 'initramfs\n',
    [ENTRY]: entry,
    'etc/kernel/cmdline': `${CMDLINE}\n`,
    'etc/default/grub': `GRUB_TIMEOUT=5\n${blscfg ? 'GRUB_ENABLE_BLSCFG=true\n' : ''}`,
  })
  return root
}

const expected = (prefix: string): string =>
  [
    `title CentOS Stream (${VERSION}) 9`,
    `version ${VERSION}`,
    `linux ${prefix}/vmlinuz-${VERSION}`,
    `initrd ${prefix}/initramfs-${VERSION}.img $tuned_initrd`,
    `options ${CMDLINE}`,
    'grub_users $grub_users',
    'grub_arg --unrestricted',
    'grub_class centos',
    '',
  ].join('\n')

describe('bootloader: BLS entries of an RPM distribution', () => {
  it('root on the same filesystem as /boot: paths under /boot, the build command line', async () => {
    // The vendor's image had /boot on a partition of its own; this build has none.
    const root = await rpmRoot(vendorEntry(''))
    const result = await runInRoot(root, [SCRIPT])
    expect(result.stderr).toContain(
      'Updated 1 BLS entries: paths relative to /boot, options "root=LABEL=cloudimg-rootfs ro',
    )
    expect(result.exitCode).toBe(0)
    expect(await readFile(join(root, ENTRY), 'utf8')).toBe(expected('/boot'))
  })

  it('/boot a partition of its own: paths relative to it', async () => {
    const root = await rpmRoot(vendorEntry('/boot'))
    const kept = join(root, '..', `${root.split('/').at(-1) ?? ''}-boot`)
    // The build's /boot partition, as a separate filesystem mounted over the tree's /boot.
    expect((await runOnHost(['cp', '-a', join(root, 'boot'), kept])).exitCode).toBe(0)
    expect(
      (await runOnHost(['mount', '-t', 'tmpfs', 'iw-bls-boot', join(root, 'boot')])).exitCode,
    ).toBe(0)
    try {
      expect((await runOnHost(['cp', '-a', `${kept}/.`, join(root, 'boot')])).exitCode).toBe(0)
      const result = await runInRoot(root, [SCRIPT])
      expect(result.stderr).toContain('paths relative to the /boot partition')
      expect(result.exitCode).toBe(0)
      expect(await readFile(join(root, ENTRY), 'utf8')).toBe(expected(''))
    } finally {
      await runOnHost(['umount', join(root, 'boot')])
      await runOnHost(['rm', '-rf', kept])
    }
  })

  it('refuses an entry whose kernel is gone, and leaves it as it was', async () => {
    const root = await rpmRoot(
      vendorEntry('').replace(`vmlinuz-${VERSION}`, 'vmlinuz-5.14.0-1.el9.x86_64'),
    )
    const before = await readFile(join(root, ENTRY), 'utf8')
    const result = await runInRoot(root, [SCRIPT])
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain(
      `bootloader: BLS entry ${ENTRY.split('/').at(-1) ?? ''} names /vmlinuz-5.14.0-1.el9.x86_64, which is not in /boot (kernel removed?)`,
    )
    expect(await readFile(join(root, ENTRY), 'utf8')).toBe(before)
  })

  it('leaves the entries alone when grub does not read them (no GRUB_ENABLE_BLSCFG)', async () => {
    const root = await rpmRoot(vendorEntry(''), false)
    const result = await runInRoot(root, [SCRIPT])
    expect(result.exitCode).toBe(0)
    expect(await readFile(join(root, ENTRY), 'utf8')).toBe(vendorEntry(''))
  })
})
