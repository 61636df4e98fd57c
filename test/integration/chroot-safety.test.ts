import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { safeMountPoint, safeTargetPath } from '../../src/chroot/safe-path.ts'
import { placeTemporaryFile } from '../../src/chroot/target-files.ts'
import { ChrootError } from '../../src/errors.ts'

let root: string
let outside: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'iw-root-'))
  outside = await mkdtemp(join(tmpdir(), 'iw-host-'))
  await mkdir(join(root, 'etc'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
  await rm(outside, { recursive: true, force: true })
})

describe('safeTargetPath()', () => {
  it('refuses a directory symlink that leads out of the target', async () => {
    await symlink(outside, join(root, 'proc'))
    await expect(safeMountPoint(root, 'proc')).rejects.toThrow(ChrootError)
    await expect(safeTargetPath(root, 'proc/x')).rejects.toThrow(/"proc" is a symlink/)
  })

  it('resolves .. against the target root, never above it', async () => {
    const target = await safeTargetPath(root, 'etc/../../../x')
    expect(target.path).toBe(join(root, 'x'))
  })

  it('creates missing mount points as real directories', async () => {
    const path = await safeMountPoint(root, 'tmp/in_target.d')
    expect(path).toBe(join(root, 'tmp/in_target.d'))
    expect((await lstat(path)).isDirectory()).toBe(true)
  })
})

describe('placeTemporaryFile()', () => {
  it('never writes through a symlinked resolv.conf to the host, and restores the link', async () => {
    const hostFile = join(outside, 'resolv.conf')
    await writeFile(hostFile, 'host content\n')
    await symlink(hostFile, join(root, 'etc/resolv.conf'))
    const placed = await placeTemporaryFile(root, 'etc/resolv.conf', 'nameserver 192.0.2.1\n')
    expect(await readFile(hostFile, 'utf8')).toBe('host content\n')
    expect(await readFile(join(root, 'etc/resolv.conf'), 'utf8')).toBe('nameserver 192.0.2.1\n')
    await placed.restore()
    expect(await readlink(join(root, 'etc/resolv.conf'))).toBe(hostFile)
    expect(await readFile(hostFile, 'utf8')).toBe('host content\n')
  })

  it('restores the image file and removes ours when there was none', async () => {
    await writeFile(join(root, 'etc/resolv.conf'), 'image\n')
    const placed = await placeTemporaryFile(root, 'etc/resolv.conf', 'build\n')
    await placed.restore()
    expect(await readFile(join(root, 'etc/resolv.conf'), 'utf8')).toBe('image\n')
    const policy = await placeTemporaryFile(root, 'usr/sbin/policy-rc.d', 'exit 101\n', 0o755)
    expect((await lstat(join(root, 'usr/sbin/policy-rc.d'))).mode & 0o777).toBe(0o755)
    await policy.restore()
    await expect(lstat(join(root, 'usr/sbin/policy-rc.d'))).rejects.toThrow()
  })

  it('keeps a symlink the build deliberately put in place', async () => {
    const placed = await placeTemporaryFile(root, 'etc/resolv.conf', 'build\n')
    await rm(join(root, 'etc/resolv.conf'))
    await symlink('../run/systemd/resolve/stub-resolv.conf', join(root, 'etc/resolv.conf'))
    await placed.restore()
    expect(await readlink(join(root, 'etc/resolv.conf'))).toBe(
      '../run/systemd/resolve/stub-resolv.conf',
    )
  })

  it('refuses to work through a symlinked /etc', async () => {
    await rm(join(root, 'etc'), { recursive: true })
    await symlink(outside, join(root, 'etc'))
    await expect(placeTemporaryFile(root, 'etc/resolv.conf', 'x')).rejects.toThrow(
      /"etc" is a symlink/,
    )
  })
})
