// `imagewright block-device` as DIB's scripts drive dib-block-device: every step a separate
// process of the compiled CLI (run `npm run build` first), the devices staying attached and
// mounted between the steps, and nothing of ours left on the host once umount (or
// `imagewright cleanup`) has run. Needs root for loop devices and mounts.
import { execFileSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { IW_BIN, REPO, runCli, type CliResult } from '../helpers/cli.ts'
import { partitionedLayout } from '../helpers/block-device-yaml.ts'

const isRoot = process.getuid?.() === 0

// A partition for /var as well, so mounts are made parents first and released children first.
const MBR_LAYOUT = partitionedLayout('mbr', [
  {
    name: 'root',
    flags: ['boot', 'primary'],
    size: '40MiB',
    mkfs: { name: 'mkfs_root' },
    mountPoint: '/',
    fstab: { options: 'defaults', 'fsck-passno': 1 },
  },
  {
    name: 'var',
    flags: ['primary'],
    size: '100%',
    mkfs: { type: 'ext4' },
    mountPoint: '/var',
    fstab: { options: 'nodev' },
  },
])

let dir = ''

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iw-bdcli-'))
})

afterEach(async () => {
  // A failed assertion must not leak: release whatever the journals of this test still list.
  await runCli(IW_BIN, { args: ['cleanup', '--force'], env: { IMAGEWRIGHT_STATE_DIR: journals() } })
  expect(ourMounts()).toEqual([])
  expect(ourLoops()).toEqual([])
  await rm(dir, { recursive: true, force: true })
})

function journals(): string {
  return join(dir, 'journals')
}

function sh(command: string, args: readonly string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
}

function ourMounts(): string[] {
  return sh('findmnt', ['-rn', '-o', 'TARGET'])
    .split('\n')
    .filter((target) => target.startsWith(dir))
}

function ourLoops(): string[] {
  return sh('losetup', ['--list', '--noheadings', '-O', 'NAME,BACK-FILE'])
    .split('\n')
    .filter((line) => line.includes(dir))
}

/** DIB's params.yaml, as disk-image-create writes it, for a config file. */
async function writeParams(config: string): Promise<string> {
  const params = join(dir, 'params.yaml')
  await writeFile(
    params,
    [
      `config: ${config}`,
      `image-dir: ${join(dir, 'img')}`,
      'root-fs-type: ext4',
      'root-label:',
      `mount-base: ${join(dir, 'mnt')}`,
      `build-dir: ${join(dir, 'build')}`,
      'image-size: 98304KiB',
      '',
    ].join('\n'),
  )
  return params
}

async function blockDevice(params: string, ...args: string[]): Promise<CliResult> {
  return runCli(IW_BIN, {
    args: ['block-device', '--params', params, ...args],
    env: { IMAGEWRIGHT_STATE_DIR: journals() },
    timeoutMs: 60_000,
  })
}

/** Runs a step and returns its stdout, failing with its stderr. */
async function step(params: string, ...args: string[]): Promise<string> {
  const result = await blockDevice(params, ...args)
  expect(result.stderr, `block-device ${args.join(' ')}`).not.toMatch(/Error:/)
  expect(result.code, `block-device ${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result.stdout
}

async function journalFiles(): Promise<string[]> {
  return readdir(journals()).catch(() => [])
}

describe.runIf(isRoot)('imagewright block-device, one process per step', () => {
  it.each([
    {
      layout: 'MBR with / and /var',
      config: async () => {
        const file = join(dir, 'mbr.yaml')
        await writeFile(file, MBR_LAYOUT)
        return file
      },
      mountPoints: '/|/var',
      partitions: ['root', 'var'],
      fstab: 'LABEL=cloudimg-rootfs / ext4 defaults 0 1\nLABEL=mkfs_var /var ext4 nodev 0 2\n',
    },
    {
      layout: 'block-device-gpt',
      config: async () => join(REPO, 'elements', 'block-device-gpt', 'block-device-default.yaml'),
      mountPoints: '/',
      partitions: ['BSP', 'root'],
      fstab: 'LABEL=cloudimg-rootfs / ext4 defaults 0 1\n',
    },
  ])('runs init → getval → create → writefstab → umount → cleanup on $layout', async (t) => {
    const params = await writeParams(await t.config())
    const stateDir = join(dir, 'build', 'states', 'block-device')

    await step(params, 'init')
    expect(existsSync(join(stateDir, 'config.json'))).toBe(true)
    expect(await step(params, 'getval', 'root-label')).toBe('cloudimg-rootfs\n')
    expect(await step(params, 'getval', 'root-fstype')).toBe('ext4\n')
    expect(await step(params, 'getval', 'boot-label')).toBe('\n')
    expect(await step(params, 'getval', 'mount-points')).toBe(`${t.mountPoints}\n`)

    await step(params, 'create')
    // The create process has exited: everything must still be attached and mounted.
    const image = join(dir, 'img', 'image0.raw')
    const [loopLine, ...otherLoops] = ourLoops()
    expect(otherLoops).toEqual([])
    const loop = loopLine?.split(/\s+/)[0] ?? ''
    expect(loopLine).toBe(`${loop} ${image}`)
    const mountBase = join(dir, 'mnt')
    expect(ourMounts()).toEqual(
      t.mountPoints.split('|').map((mp) => (mp === '/' ? mountBase : join(mountBase, mp))),
    )
    for (const n of t.partitions.keys()) {
      expect(statSync(`${loop}p${n + 1}`).isBlockDevice()).toBe(true)
    }
    const state = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')) as {
      held: { loops: unknown[]; mounts: unknown[] }
      journal: string
    }
    expect(state.held.loops).toHaveLength(1)
    expect(state.held.mounts).toHaveLength(t.mountPoints.split('|').length)
    expect(await journalFiles()).toHaveLength(1)

    const fstabPath = await step(params, 'writefstab')
    expect(fstabPath).toBe(`${join(dir, 'build', 'built', 'etc', 'fstab')}\n`)
    expect(await readFile(fstabPath.trim(), 'utf8')).toBe(t.fstab)

    expect(await step(params, 'getval', 'image-block-device')).toBe(`${loop}\n`)
    expect(await step(params, 'getval', 'image-path')).toBe(`${image}\n`)
    const expectedDevices = t.partitions.map((name, n) => ` [${name}]=${loop}p${n + 1}`).join('')
    expect(await step(params, 'getval', 'image-block-devices')).toBe(
      ` [image0]=${loop}${expectedDevices}\n`,
    )
    await writeFile(join(mountBase, 'hello'), 'written between the steps\n')

    await step(params, 'umount')
    expect(ourMounts()).toEqual([])
    expect(ourLoops()).toEqual([])
    expect(await journalFiles()).toEqual([])
    // A second umount has nothing left to do, and says so.
    expect((await blockDevice(params, 'umount')).stderr).toContain('already released')

    await step(params, 'cleanup')
    expect(existsSync(stateDir)).toBe(false)
    expect(statSync(image).size).toBe(98304 * 1024)
    // What was written through the mount between the steps is in the image's root filesystem.
    const root = String(t.partitions.indexOf('root') + 1)
    const start = Number(sh('partx', ['--raw', '--noheadings', '-o', 'START', '-n', root, image]))
    expect(sh('debugfs', ['-R', 'cat /hello', `${image}?offset=${start * 512}`])).toBe(
      'written between the steps\n',
    )
  })

  it('leaves a create that nobody cleans up to "imagewright cleanup", once its caller is gone', async () => {
    const config = join(dir, 'mbr.yaml')
    await writeFile(config, MBR_LAYOUT)
    const params = await writeParams(config)
    await step(params, 'init')

    // The caller of create (this test process) is alive: its devices are not abandoned.
    await step(params, 'create')
    const notYet = await runCli(IW_BIN, {
      args: ['cleanup'],
      env: { IMAGEWRIGHT_STATE_DIR: journals() },
    })
    expect(notYet.stdout).toContain('Nothing to clean up')
    expect(ourMounts()).toHaveLength(2)
    await step(params, 'umount')
    expect(ourLoops()).toEqual([])

    // Called from a shell that then exits, as a script that dies without its cleanup trap.
    // (A command after it keeps sh from exec'ing node in its place.)
    const create = `"${process.execPath}" "${IW_BIN}" block-device --params "${params}" create`
    execFileSync('sh', ['-c', `${create}; status=$?; exit $status`], {
      env: { ...process.env, IMAGEWRIGHT_STATE_DIR: journals() },
      stdio: 'ignore',
    })
    expect(ourMounts()).toHaveLength(2)
    expect(ourLoops()).toHaveLength(1)

    const cleanup = await runCli(IW_BIN, {
      args: ['cleanup'],
      env: { IMAGEWRIGHT_STATE_DIR: journals() },
    })
    expect(cleanup.code).toBe(0)
    expect(cleanup.stdout).toMatch(/Build block-device-\S+ \(pid \d+/)
    expect(cleanup.stdout).toContain(`released mount ${join(dir, 'mnt')}`)
    expect(ourMounts()).toEqual([])
    expect(ourLoops()).toEqual([])
    expect(await journalFiles()).toEqual([])

    // The state still records the devices; umount sees they are gone and cleanup finishes.
    expect((await blockDevice(params, 'umount')).stderr).toContain('already released')
    await step(params, 'delete')
    expect(existsSync(join(dir, 'build', 'states', 'block-device'))).toBe(false)
    expect(existsSync(join(dir, 'img', 'image0.raw'))).toBe(false)
  })

  it('rolls back a create that fails, and refuses a second create while devices are held', async () => {
    const config = join(dir, 'bad.yaml')
    await writeFile(config, MBR_LAYOUT.replace('type: ext4', 'type: nosuchfs'))
    const params = await writeParams(config)
    await step(params, 'init')
    const failed = await blockDevice(params, 'create')
    expect(failed.code).toBe(6)
    expect(failed.stderr).toContain('Cannot create mkfs "mkfs_var"')
    expect(ourMounts()).toEqual([])
    expect(ourLoops()).toEqual([])
    expect(await journalFiles()).toEqual([])
    expect(existsSync(join(dir, 'build', 'states', 'block-device', 'state.json'))).toBe(false)
    expect((await blockDevice(params, 'getval', 'image-path')).code).toBe(6)

    await writeFile(config, MBR_LAYOUT)
    await step(params, 'init')
    await step(params, 'create')
    const again = await blockDevice(params, 'create')
    expect(again.code).toBe(6)
    expect(again.stderr).toContain('those created before are still held')
    expect(ourLoops()).toHaveLength(1)
    await step(params, 'cleanup')
    expect(ourLoops()).toEqual([])
  })

  it('refuses an unknown getval symbol as a usage error', async () => {
    const params = await writeParams(join(dir, 'unused.yaml'))
    const result = await blockDevice(params, 'getval', 'image-size')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('Cannot get "image-size": unknown symbol')
  })
})
