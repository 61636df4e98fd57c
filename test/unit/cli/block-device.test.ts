import { describe, expect, it } from 'vitest'
import {
  describeReleased,
  parseBlockDeviceRequest,
  readBlockSize,
} from '../../../src/cli/commands/block-device.ts'
import { ConfigError, UsageError } from '../../../src/errors.ts'

describe('parseBlockDeviceRequest()', () => {
  it.each(['init', 'create', 'writefstab', 'umount', 'cleanup', 'delete'])('takes %s', (name) => {
    expect(parseBlockDeviceRequest(name, [], 'p.yaml', {})).toEqual({
      command: name,
      paramsPath: 'p.yaml',
    })
  })

  it('takes getval with its symbol', () => {
    expect(parseBlockDeviceRequest('getval', ['root-label'], 'p.yaml', {})).toEqual({
      command: 'getval',
      symbol: 'root-label',
      paramsPath: 'p.yaml',
    })
  })

  it('defaults --params to DIB_BLOCK_DEVICE_PARAMS_YAML, which --params overrides', () => {
    const env = { DIB_BLOCK_DEVICE_PARAMS_YAML: '/b/params.yaml' }
    expect(parseBlockDeviceRequest('init', [], undefined, env).paramsPath).toBe('/b/params.yaml')
    expect(parseBlockDeviceRequest('init', [], 'mine.yaml', env).paramsPath).toBe('mine.yaml')
  })

  it.each([
    ['mount', [], 'p.yaml', /Cannot run block-device command "mount": unknown command/],
    ['init', [], undefined, /Cannot run block-device init: no params file/],
    ['getval', [], 'p.yaml', /expected one symbol, got 0/],
    ['getval', ['a', 'b'], 'p.yaml', /expected one symbol, got 2/],
    ['getval', ['nope'], 'p.yaml', /Cannot get "nope": unknown symbol/],
    ['umount', ['now'], 'p.yaml', /Cannot run block-device umount: unexpected argument "now"/],
  ] as const)('refuses %s %j (params %j)', (command, args, params, message) => {
    const parse = () => parseBlockDeviceRequest(command, args, params, {})
    expect(parse).toThrow(UsageError)
    expect(parse).toThrow(message)
  })
})

describe('readBlockSize()', () => {
  it.each([
    [{}, undefined],
    [{ DIB_BLOCK_SIZE: '' }, undefined],
    [{ DIB_BLOCK_SIZE: '4096' }, 4096],
  ])('reads %j as %j', (env, size) => {
    expect(readBlockSize(env)).toBe(size)
  })

  it('refuses what is not a number', () => {
    expect(() => readBlockSize({ DIB_BLOCK_SIZE: '4k' })).toThrow(ConfigError)
  })
})

describe('describeReleased()', () => {
  it('says what was released, and when there was nothing', () => {
    expect(describeReleased(undefined)).toBe('Nothing to unmount: no block devices were created')
    expect(
      describeReleased({
        mounts: [{ mountPoint: '/', path: '/b/mnt', device: '/dev/loop1p1', fstype: 'ext4' }],
        loops: [{ device: '/dev/loop1', image: '/b/image0.raw' }],
        volumeGroups: [],
        createdNodes: [],
      }),
    ).toBe('Released: unmounted /b/mnt, detached /dev/loop1')
    expect(describeReleased({ mounts: [], loops: [], volumeGroups: [], createdNodes: [] })).toBe(
      'Nothing to unmount: already released',
    )
  })
})
