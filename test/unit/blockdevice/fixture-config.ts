// Loads the DIB block-device fixtures (test/fixtures/block-device, Apache-2.0, from DIB's own
// test suite) for the unit tests.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ConfigSource } from '../../../src/blockdevice/config-source.ts'
import { planBlockDevice, type BlockDevicePlan } from '../../../src/blockdevice/plan.ts'
import type { RootFsParams } from '../../../src/blockdevice/root-params.ts'

export const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/block-device/', import.meta.url))

export const EXT4_ROOT: RootFsParams = { rootFsType: 'ext4' }

export function fixtureSource(name: string): ConfigSource {
  return new ConfigSource(name, readFileSync(`${FIXTURE_DIR}${name}`, 'utf8'))
}

export function planFixture(name: string, root: RootFsParams = EXT4_ROOT): BlockDevicePlan {
  return planBlockDevice(fixtureSource(name), root)
}

export function planText(text: string, root: RootFsParams = EXT4_ROOT): BlockDevicePlan {
  return planBlockDevice(new ConfigSource('test.yaml', text), root)
}
