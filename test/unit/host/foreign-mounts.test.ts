import { describe, expect, it } from 'vitest'
import { chooseForeignMounts, parseMountInfo } from '../../../src/host/foreign-mounts.ts'
import { keptPaths, pathsNamedIn } from '../../../src/cli/own-namespace.ts'
import { majorMinor, parseIdentifiedLoops } from '../../../src/host/loops.ts'

// A host as a build's fresh namespace copies it: another build's workspace and chroot under /tmp,
// a customized disk on a loop device, an sshfs mount, and what the build itself needs.
const MOUNTINFO = `26 1 254:0 / / rw,relatime - ext4 /dev/vda rw
21 26 0:20 / /proc rw,relatime - proc proc rw
22 26 0:21 / /sys rw,relatime - sysfs sysfs rw
23 26 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw
30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw
41 26 0:50 / /run rw - tmpfs tmpfs rw
50 26 0:60 / /tmp/dib_build.Xy12 rw - tmpfs tmpfs rw
51 50 0:20 / /tmp/dib_build.Xy12/mnt/proc rw - proc proc rw
52 50 0:6 / /tmp/dib_build.Xy12/mnt/dev rw - devtmpfs devtmpfs rw
60 26 259:1 / /srv/custom\\040disk rw - ext4 /dev/loop3p1 rw
61 26 0:70 / /home/me/remote rw - fuse.sshfs me@host: rw
62 26 7:4 / /opt/elements rw - ext4 /dev/loop4 rw
63 26 0:71 / /media/usb rw - vfat /dev/sdb1 rw
64 26 8:17 / /var/lib/docker rw - ext4 /dev/sdb1 rw
`

const keepNothing = {
  containing: ['/work/out/image', '/tmp/iw-1/tmp'],
  within: [],
  scratch: ['/tmp/iw-1/tmp'],
}
const onLoop = (device: string): boolean => device.startsWith('7:') || device === '259:1'

describe('parseMountInfo', () => {
  it('reads target, device, type and source, undoing the octal escapes', () => {
    const entries = parseMountInfo(MOUNTINFO)
    expect(entries).toHaveLength(14)
    expect(entries[9]).toEqual({
      target: '/srv/custom disk',
      device: '259:1',
      fstype: 'ext4',
      source: '/dev/loop3p1',
    })
  })
})

describe('chooseForeignMounts', () => {
  it('drops loop, FUSE and scratch-dir mounts, outermost first, and keeps the system ones', () => {
    expect(chooseForeignMounts(parseMountInfo(MOUNTINFO), keepNothing, onLoop)).toEqual([
      '/media/usb',
      '/opt/elements',
      '/home/me/remote',
      '/srv/custom disk',
      '/tmp/dib_build.Xy12',
    ])
  })

  it('keeps a foreign mount that holds a path the build names, or lies in a tree it reads', () => {
    const keep = {
      containing: ['/srv/custom disk/out/image', '/tmp/iw-1/tmp'],
      within: ['/opt/elements', '/home/me'],
      scratch: [],
    }
    expect(chooseForeignMounts(parseMountInfo(MOUNTINFO), keep, onLoop)).toEqual([
      '/media/usb',
      '/tmp/dib_build.Xy12',
    ])
  })

  it("counts mounts below the build's own TMPDIR as scratch, but never TMPDIR itself", () => {
    const table = parseMountInfo(
      '26 1 254:0 / / rw - ext4 /dev/vda rw\n70 26 0:80 / /srv/scratch rw - tmpfs tmpfs rw\n71 70 0:81 / /srv/scratch/dib_image.Q rw - tmpfs tmpfs rw\n',
    )
    expect(
      chooseForeignMounts(
        table,
        { containing: ['/srv/scratch'], within: [], scratch: ['/srv/scratch'] },
        () => false,
      ),
    ).toEqual(['/srv/scratch/dib_image.Q'])
  })
})

describe('the paths a command names', () => {
  it('takes absolute and ./ paths from arguments and variables, split at : , = and spaces', () => {
    expect(
      pathsNamedIn(
        ['-o', '/out/img', '--copy-in', './app:/opt', 'ELEMENTS=/a:/b', 'vm'],
        '/home/me',
      ),
    ).toEqual(['/out/img', '/home/me/app', '/opt', '/a', '/b'])
  })

  it("keeps the working directory, what the command needs and imagewright's own tree", () => {
    const keep = keptPaths(
      { containing: ['rel/out'], within: ['/elements'], scratch: ['/scratch'] },
      ['-o', '/x/y'],
      { TMPDIR: '/scratch' },
      '/cwd',
    )
    expect(keep.containing).toEqual(
      expect.arrayContaining(['/cwd', '/x/y', '/scratch', '/cwd/rel/out']),
    )
    expect(keep.within).toContain('/elements')
    expect(keep.scratch).toEqual(['/scratch'])
  })
})

describe('loop identities', () => {
  it('splits dev_t as glibc encodes it', () => {
    expect(majorMinor(65024n)).toBe('254:0')
    expect(majorMinor(42n)).toBe('0:42')
    // major 4100, minor 0x12345: both need the high parts
    const makedev = (major: bigint, minor: bigint): bigint =>
      ((major & 0xfffn) << 8n) |
      ((major & ~0xfffn) << 32n) |
      (minor & 0xffn) |
      ((minor & ~0xffn) << 12n)
    expect(majorMinor(makedev(4100n, 0x12345n))).toBe(`4100:${0x12345}`)
  })

  it("reads losetup's JSON list with inode and padded device, a workspace-relative or deleted file included", () => {
    const json = JSON.stringify({
      loopdevices: [
        {
          name: '/dev/loop0',
          'back-file': '/image.raw',
          'back-ino': 2,
          'back-maj:min': '       0:42 ',
        },
        {
          name: '/dev/loop3',
          'back-file': '/tmp/a b/disk.raw (deleted)',
          'back-ino': 17,
          'back-maj:min': '     254:0  ',
        },
      ],
    })
    expect(parseIdentifiedLoops(json)).toEqual([
      { device: '/dev/loop0', file: '/image.raw', ino: 2, dev: '0:42' },
      { device: '/dev/loop3', file: '/tmp/a b/disk.raw', ino: 17, dev: '254:0' },
    ])
    expect(parseIdentifiedLoops('')).toEqual([])
  })
})
