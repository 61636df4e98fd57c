import { describe, expect, it } from 'vitest'
import { createBlockDevices } from '../../../src/blockdevice/run/create.ts'
import type { BlockDeviceParams } from '../../../src/blockdevice/layout/params.ts'
import {
  blockDeviceStateDir,
  decodeSavedConfig,
  decodeSavedState,
  describeSavedState,
  encodeState,
  isHeldEmpty,
  type SavedConfig,
} from '../../../src/blockdevice/state/state-file.ts'
import { BlockDeviceError } from '../../../src/errors.ts'
import { RecordingReporter } from '../../../src/report/events.ts'
import { FakeHostWorld } from './fake-host.ts'
import { planFixture } from './fixture-config.ts'

const PARAMS: BlockDeviceParams = {
  imageDir: '/build/img',
  imageSizeBytes: 1024 ** 3,
  mountBase: '/build/mnt',
  rootFsType: 'ext4',
  uuidSeed: 'state',
}

async function createdState() {
  const world = new FakeHostWorld()
  const deps = { runner: world, reporter: new RecordingReporter(), journal: world, host: world }
  const devices = await createBlockDevices(planFixture('gpt_efi.yaml'), PARAMS, deps)
  return describeSavedState(devices, '/run/imagewright/builds/block-device-1.json')
}

describe('state.json', () => {
  it('records devices, filesystems, mounts in order and what is held', async () => {
    const state = await createdState()
    expect(state.imageBlockDevice).toBe('/dev/loop7')
    expect(state.devices).toEqual({
      image0: '/dev/loop7',
      ESP: '/dev/loop7p1',
      BSP: '/dev/loop7p2',
      'Root Part': '/dev/loop7p3',
    })
    expect(state.filesystems['mkfs_ESP']).toMatchObject({ device: '/dev/loop7p1', fstype: 'vfat' })
    expect(state.mounts.map((m) => m.mountPoint)).toEqual(['/', '/boot/efi'])
    expect(state.held).toEqual({
      mounts: state.mounts,
      loops: [{ device: '/dev/loop7', image: '/build/img/image0.raw' }],
      volumeGroups: [],
      createdNodes: [],
    })
    expect(isHeldEmpty(state.held)).toBe(false)
  })

  it('reads back exactly what was written, including filesystems without a UUID', async () => {
    const created = await createdState()
    const esp = created.filesystems['mkfs_ESP']
    if (!esp) throw new Error('fixture has no mkfs_ESP')
    const state = {
      ...created,
      filesystems: { ...created.filesystems, mkfs_ESP: { ...esp, uuid: undefined } },
    }
    const text = encodeState(state)
    expect(decodeSavedState(text, 'state.json')).toEqual(state)
    expect(encodeState(decodeSavedState(text, 'state.json'))).toBe(text)
  })

  it.each([
    ['not json', /Cannot read "s\.json": it is not JSON/],
    ['[]', /expected a JSON object/],
    ['{"format": 2}', /unknown format 2/],
    ['{"format": 1, "images": {}}', /Cannot read "s\.json": "filesystems" is not an object/],
  ])('refuses %j naming the file', (text, message) => {
    expect(() => decodeSavedState(text, 's.json')).toThrow(BlockDeviceError)
    expect(() => decodeSavedState(text, 's.json')).toThrow(message)
  })

  it('refuses a held list of the wrong shape', async () => {
    const state = JSON.parse(encodeState(await createdState())) as Record<string, unknown>
    state['held'] = { mounts: [], loops: [{ device: 7 }], volumeGroups: [], createdNodes: [] }
    expect(() => decodeSavedState(JSON.stringify(state), 's.json')).toThrow(
      '"device" is not a string',
    )
    state['held'] = { mounts: [], loops: [], volumeGroups: ['vg', 7], createdNodes: [] }
    expect(() => decodeSavedState(JSON.stringify(state), 's.json')).toThrow(
      'Cannot read "s.json": item 2 of "volumeGroups" is not a string',
    )
  })
})

describe('config.json', () => {
  it.each<SavedConfig['root']>([
    { rootFsType: 'xfs' },
    { rootFsType: '', rootLabel: 'root', rootFsOpts: ['-m', '0'] },
  ])('reads back root params %j', (root) => {
    const saved: SavedConfig = {
      format: 1,
      file: '/b/config.yaml',
      text: '- local_loop:\n    name: image0\n',
      root,
      nodes: [{ name: 'image0', kind: 'local_loop' }],
    }
    expect(decodeSavedConfig(encodeState(saved), 'config.json')).toEqual(saved)
  })
})

describe('blockDeviceStateDir()', () => {
  it('is where DIB keeps it', () => {
    expect(blockDeviceStateDir('/tmp/dib_build.x')).toBe('/tmp/dib_build.x/states/block-device')
  })
})
