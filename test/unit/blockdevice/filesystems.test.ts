// The filesystem table is the one place a filesystem type is described. The shell side (the
// bootloader's GRUB module, growroot's resize command, the image's fsck package) and the host
// packages in scripts/setup.sh cannot read it, so these tests pin them to it: a new row fails
// here until each of them knows the type.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  canonicalFsType,
  FILESYSTEMS,
  filesystemType,
  isNonRootType,
  linuxRootTypes,
  packageOfMkfs,
} from '../../../src/blockdevice/filesystems.ts'
import { buildMkfsArgv, mkfsEnvironment } from '../../../src/blockdevice/run/mkfs-argv.ts'
import { canSetUuid } from '../../../src/blockdevice/layout/identities.ts'
import { shouldTrim } from '../../../src/blockdevice/run/teardown-steps.ts'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')
const rows = Object.entries(FILESYSTEMS)

/** The arms of the `case WORD in` block whose header contains `word`: pattern → body. */
function caseArms(script: string, word: string): Map<string, string> {
  const lines = script.split('\n')
  const start = lines.findIndex((line) => line.trim().startsWith('case ') && line.includes(word))
  expect(start, `a case over ${word}`).toBeGreaterThanOrEqual(0)
  const arms = new Map<string, string>()
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === 'esac') break
    const arm = /^\s*([^()]+)\)\s*(.*?)\s*(;;)?$/.exec(line)
    if (!arm?.[1]) continue
    for (const pattern of arm[1].split('|')) arms.set(pattern.trim(), arm[2] ?? '')
  }
  return arms
}

describe('the filesystem table', () => {
  it('gives every row a mkfs program whose package scripts/setup.sh installs', () => {
    const setup = read('scripts/setup.sh')
    for (const [name, row] of rows) {
      expect(setup, `${name}: ${row.hostPackage}`).toMatch(new RegExp(`\\b${row.hostPackage}\\b`))
      expect(packageOfMkfs(row.mkfs)).toBe(row.hostPackage)
    }
  })

  it('has elements/bootloader load the GRUB module of every type it names', () => {
    const arms = caseArms(read('elements/bootloader/finalise.d/50-bootloader'), 'DIB_ROOT_FSTYPE')
    for (const [name, row] of rows) {
      if (row.grubModule === undefined) continue
      expect(arms.get(name), name).toBe(`fs_module=${row.grubModule}`)
    }
  })

  it('has every Linux root type grown by elements/growroot and checked by the image', () => {
    const arms = caseArms(read('elements/growroot/static/usr/local/sbin/growroot'), '$fstype')
    const packages = read('elements/debian-minimal/package-installs.yaml')
    for (const name of linuxRootTypes()) {
      const row = FILESYSTEMS[name]
      expect(row.growCommand, name).toBeDefined()
      expect(arms.get(name), name).toMatch(new RegExp(`^${row.growCommand ?? ''}\\b`))
      expect(row.grubModule, name).toBeDefined()
      expect(packages, `${name}: ${row.hostPackage}`).toMatch(
        new RegExp(`^${row.hostPackage}:`, 'm'),
      )
    }
  })

  it("builds each row's mkfs line from its label, UUID and quiet spellings", () => {
    const argv = (type: string, uuid?: string): string[] =>
      buildMkfsArgv({ type, device: '/dev/loop0p1', label: 'L', uuid, opts: ['-O', 'x'] })
    expect(argv('ext4', 'u')).toEqual([
      'mkfs.ext4',
      '-O',
      'x',
      '-L',
      'L',
      '-U',
      'u',
      '-q',
      '/dev/loop0p1',
    ])
    expect(argv('xfs', 'u')).toEqual([
      'mkfs.xfs',
      '-O',
      'x',
      '-L',
      'L',
      '-m',
      'uuid=u',
      '-q',
      '/dev/loop0p1',
    ])
    expect(argv('vfat', '1A2B-3C4D')).toEqual([
      'mkfs.vfat',
      '-O',
      'x',
      '-n',
      'L',
      '-i',
      '1A2B3C4D',
      '/dev/loop0p1',
    ])
    expect(argv('swap')).toEqual(['mkswap', '-O', 'x', '-L', 'L', '/dev/loop0p1'])
    expect(argv('f2fs', 'u')).toEqual(['mkfs.f2fs', '-O', 'x', '-L', 'L', '/dev/loop0p1'])
    expect(mkfsEnvironment('btrfs')).toEqual({ env: { BLKID_FILE: '/dev/null' } })
    expect(mkfsEnvironment('ext4')).toEqual({})
  })

  it('answers the questions other modules ask from the rows', () => {
    expect(canonicalFsType('FAT')).toBe('vfat')
    expect(filesystemType('f2fs')).toBeUndefined()
    expect(linuxRootTypes()).toEqual(['ext4', 'ext3', 'ext2', 'xfs', 'btrfs'])
    expect(['vfat', 'ntfs', 'exfat', 'msdos'].filter(isNonRootType)).toHaveLength(4)
    expect(['ext4', 'xfs', 'f2fs'].filter(isNonRootType)).toEqual([])
    expect(canSetUuid('vfat') && canSetUuid('swap') && !canSetUuid('f2fs')).toBe(true)
    expect(shouldTrim('vfat') || !shouldTrim('ext4') || !shouldTrim('f2fs')).toBe(false)
  })
})
