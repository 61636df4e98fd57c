import { describe, expect, it } from 'vitest'
import type { HeldSnapshot } from '../../../src/blockdevice/run/held-resources.ts'
import {
  findStillHeld,
  listJournalEntries,
  parseBackingFile,
  releaseHeld,
} from '../../../src/blockdevice/state/release-from-state.ts'
import {
  listDetachCommands,
  listUnmountCommands,
} from '../../../src/blockdevice/run/teardown-steps.ts'
import { BlockDeviceError } from '../../../src/errors.ts'
import { RecordingReporter } from '../../../src/report/events.ts'
import { FakeHostWorld } from './fake-host.ts'

const HELD: HeldSnapshot = {
  mounts: [
    { mountPoint: '/', path: '/b/mnt', device: '/dev/loop3p2', fstype: 'ext4' },
    { mountPoint: '/boot/efi', path: '/b/mnt/boot/efi', device: '/dev/loop3p1', fstype: 'vfat' },
  ],
  loops: [{ device: '/dev/loop3', image: '/b/img/image0.raw' }],
  volumeGroups: [],
  createdNodes: ['/dev/loop3p1'],
}

function deps(world: FakeHostWorld) {
  return { runner: world, reporter: new RecordingReporter(), journal: world, host: world }
}

/** A host where each recorded mount and loop is still there, except what `gone` names. */
function hostWith(gone: { mounts?: string[]; loopFile?: string } = {}): FakeHostWorld {
  const world = new FakeHostWorld()
  for (const mount of HELD.mounts) {
    world.rules.push({
      match: (argv) => argv[0] === 'findmnt' && argv.at(-1) === mount.path,
      respond: () =>
        gone.mounts?.includes(mount.path) ? { exitCode: 1 } : { stdout: `${mount.device}\n` },
    })
  }
  world.rules.push({
    match: (argv) => argv[0] === 'losetup' && argv.includes('BACK-FILE'),
    respond: () => ({ stdout: `${gone.loopFile ?? '/b/img/image0.raw'}\n` }),
  })
  return world
}

describe('findStillHeld()', () => {
  it('keeps what is still there as recorded', async () => {
    expect(await findStillHeld(HELD, hostWith())).toEqual(HELD)
  })

  it('drops mounts already unmounted and loops whose number now backs another file', async () => {
    const world = hostWith({ mounts: ['/b/mnt/boot/efi'], loopFile: '/other/disk.raw' })
    const held = await findStillHeld(HELD, world)
    expect(held.mounts.map((m) => m.path)).toEqual(['/b/mnt'])
    expect(held.loops).toEqual([])
  })

  it('drops a mount of another device at the same place', async () => {
    const world = hostWith()
    world.rules.unshift({
      match: (argv) => argv[0] === 'findmnt' && argv.at(-1) === '/b/mnt',
      respond: () => ({ stdout: '/dev/sdz1\n' }),
    })
    expect((await findStillHeld(HELD, world)).mounts.map((m) => m.path)).toEqual([
      '/b/mnt/boot/efi',
    ])
  })
})

describe('parseBackingFile()', () => {
  it.each([
    ['/b/img/image0.raw\n', '/b/img/image0.raw'],
    ['/b/img/image0.raw (deleted)\n', '/b/img/image0.raw'],
    ['', ''],
  ])('reads %j', (stdout, file) => {
    expect(parseBackingFile(stdout)).toBe(file)
  })
})

describe('releaseHeld()', () => {
  it('runs the teardown a build runs: the commands planCommandsForDisplay shows', async () => {
    const world = new FakeHostWorld()
    world.journal.push(...listJournalEntries(HELD))
    const outcome = await releaseHeld(HELD, deps(world))
    expect(outcome).toEqual({
      left: { mounts: [], loops: [], volumeGroups: [], createdNodes: [] },
      failure: undefined,
    })
    expect(world.commands).toEqual([
      ...listUnmountCommands(HELD.mounts),
      ...listDetachCommands(
        HELD.volumeGroups,
        HELD.loops.map((l) => l.device),
      ),
    ])
    expect(world.log).toContain('remove /dev/loop3p1')
    expect(world.journal).toEqual([])
  })

  it('still detaches when a mount stays busy, and says what is left', async () => {
    const world = new FakeHostWorld()
    world.journal.push(...listJournalEntries(HELD))
    world.fail((argv) => argv[0] === 'umount' && argv[1] === '/b/mnt', {
      exitCode: 32,
      stderr: 'umount: /b/mnt: target is busy.',
    })
    const outcome = await releaseHeld(HELD, deps(world))
    expect(outcome.failure).toBeInstanceOf(BlockDeviceError)
    expect(String(outcome.failure)).toContain('Cannot unmount "/b/mnt"')
    expect(outcome.left.mounts.map((m) => m.path)).toEqual(['/b/mnt'])
    expect(outcome.left.loops).toEqual([])
    expect(world.commands).toContainEqual(['losetup', '-d', '/dev/loop3'])
    expect(world.journal).toEqual([{ kind: 'mount', path: '/b/mnt' }])
  })
})

describe('listJournalEntries()', () => {
  it('lists loops before mounts, as they were taken', () => {
    expect(listJournalEntries(HELD)).toEqual([
      { kind: 'loop', device: '/dev/loop3', file: '/b/img/image0.raw' },
      { kind: 'mount', path: '/b/mnt' },
      { kind: 'mount', path: '/b/mnt/boot/efi' },
    ])
  })
})
