// The kpartx and dmsetup stand-ins DIB's host-side hooks find on their PATH when the host has
// no device-mapper: real loop devices on a sparse file with a real partition table.
import { execFileSync, spawnSync } from 'node:child_process'
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO } from './elements-shell-fixture.ts'

const HOST_TOOLS = join(REPO, 'libexec', 'host')
const hasDeviceMapper = readFileSync('/proc/misc', 'utf8').includes('device-mapper')
let work: string
let disk: string

function tool(name: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(join(HOST_TOOLS, name), args, {
    env: { PATH: `${HOST_TOOLS}:/usr/sbin:/usr/bin:/sbin:/bin`, LC_ALL: 'C' },
    encoding: 'utf8',
  })
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}

const loopsOf = (file: string): string[] =>
  execFileSync('losetup', ['--noheadings', '--output', 'NAME', '--associated', file], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean)

beforeAll(() => {
  work = mkdtempSync('/var/tmp/iw-kpartx-')
  disk = join(work, 'disk.raw')
  execFileSync('truncate', ['-s', '64M', disk])
  execFileSync('sfdisk', ['-q', disk], { input: 'label: dos\n,16M,83\n,,83\n' })
})

afterAll(() => {
  for (const loop of disk === undefined ? [] : loopsOf(disk)) tool('kpartx', '-d', loop)
  for (const loop of disk === undefined ? [] : loopsOf(disk)) execFileSync('losetup', ['-d', loop])
  rmSync(work, { recursive: true, force: true })
})

describe.skipIf(hasDeviceMapper)('kpartx and dmsetup without device-mapper', () => {
  it('kpartx -avs on an image file maps its partitions as /dev/mapper/loopNpM, as DIB scripts parse them', () => {
    const add = tool('kpartx', '-avs', disk)
    expect(add.stderr).toBe('')
    expect(add.code).toBe(0)
    const lines = add.stdout.trim().split('\n')
    expect(lines).toHaveLength(2)
    const [loop] = loopsOf(disk)
    const name = loop?.replace('/dev/', '') ?? ''
    // "add map loop0p1 (259:0): 0 32768 linear 7:0 2048": DIB's extract-image takes field 3.
    expect(lines[0]).toMatch(
      new RegExp(`^add map ${name}p1 \\(\\d+:\\d+\\): 0 32768 linear \\d+:\\d+ 2048$`),
    )
    expect(lines[1]?.split(' ')[2]).toBe(`${name}p2`)
    const mapped = `/dev/mapper/${name}p2`
    expect(lstatSync(mapped).isSymbolicLink()).toBe(true)
    expect(statSync(mapped).isBlockDevice()).toBe(true)
    // The mapped node is the partition: a filesystem made there is found at its offset.
    execFileSync('mkfs.ext4', ['-q', '-L', 'standin', mapped])
    expect(
      execFileSync('blkid', ['-o', 'value', '-s', 'LABEL', `${loop}p2`], {
        encoding: 'utf8',
      }).trim(),
    ).toBe('standin')

    expect(tool('kpartx', '-l', disk).stdout).toContain(`${name}p2 : 0 96256 ${loop} 34816`)
    expect(tool('dmsetup', 'ls').stdout).toMatch(new RegExp(`^${name}p1\\t\\(\\d+, ?\\d+\\)$`, 'm'))
    expect(tool('dmsetup', 'table', `${name}p2`).stdout.trim()).toMatch(
      /^0 96256 linear \d+:\d+ 34816$/,
    )

    const del = tool('kpartx', '-dv', disk)
    expect(del.stdout).toContain(`del devmap : ${name}p1`)
    expect(del.stdout).toContain(`loop deleted : ${loop}`)
    expect(existsSync(mapped)).toBe(false)
    expect(loopsOf(disk)).toEqual([])
  })

  it('kpartx -a on a loop device attached without --partscan maps through a scanning loop device, -d releases it', () => {
    const loop = execFileSync('losetup', ['--find', '--show', disk], { encoding: 'utf8' }).trim()
    const name = loop.replace('/dev/', '')
    try {
      expect(tool('kpartx', '-a', loop).code).toBe(0)
      const target = readlinkSync(`/dev/mapper/${name}p1`)
      expect(target).toMatch(/^\/dev\/loop\d+p1$/)
      expect(statSync(target).isBlockDevice()).toBe(true)
      expect(loopsOf(disk)).toHaveLength(1)
      expect(tool('kpartx', '-d', loop).code).toBe(0)
      expect(existsSync(`/dev/mapper/${name}p1`)).toBe(false)
      expect(existsSync(target)).toBe(false)
    } finally {
      execFileSync('losetup', ['-d', loop])
    }
  })

  it('dmsetup remove drops a map; unsupported commands and missing maps fail with a message', () => {
    tool('kpartx', '-a', disk)
    const name = loopsOf(disk)[0]?.replace('/dev/', '') ?? ''
    expect(tool('dmsetup', 'remove', `${name}p1`).code).toBe(0)
    expect(existsSync(`/dev/mapper/${name}p1`)).toBe(false)
    const missing = tool('dmsetup', 'remove', `${name}p1`)
    expect([missing.code, missing.stderr.trim()]).toEqual([
      1,
      `dmsetup: Device ${name}p1 not found`,
    ])
    const create = tool('dmsetup', 'create', 'x')
    expect(create.code).toBe(1)
    expect(create.stderr).toContain('not supported without device-mapper')
    tool('kpartx', '-d', disk)
    expect(loopsOf(disk)).toEqual([])
  })

  it('sudo runs the command for a root build with a reset environment (-E keeps it), and refuses another user', () => {
    expect(tool('sudo', '-E', 'sh', '-c', 'id -u').stdout.trim()).toBe('0')
    const show = 'echo "[${TMPDIR:-}] [${LC_ALL:-}] [${IMAGEWRIGHT_BUILD_ID:-}] $HOME $PATH"'
    const env = {
      PATH: `${HOST_TOOLS}:/usr/bin:/bin`,
      TMPDIR: '/host/tmp',
      LC_ALL: 'C',
      IMAGEWRIGHT_BUILD_ID: 'b1',
      HOME: '/elsewhere',
    }
    const reset = spawnSync(join(HOST_TOOLS, 'sudo'), ['sh', '-c', show], {
      env,
      encoding: 'utf8',
    }).stdout.trim()
    expect(reset).toBe(
      `[] [C] [b1] /root ${HOST_TOOLS}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    )
    const kept = spawnSync(join(HOST_TOOLS, 'sudo'), ['-E', 'sh', '-c', show], {
      env,
      encoding: 'utf8',
    }).stdout.trim()
    expect(kept).toBe(
      `[/host/tmp] [C] [b1] /elsewhere ${HOST_TOOLS}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    )
    const other = tool('sudo', '-u', 'nobody', 'true')
    expect(other.code).toBe(1)
    expect(other.stderr).toContain("cannot run as user 'nobody'")
  })
})
