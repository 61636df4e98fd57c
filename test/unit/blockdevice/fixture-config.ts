// Loads the DIB block-device fixtures (test/fixtures/block-device, Apache-2.0, from DIB's own
// test suite) for the unit tests.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ConfigSource } from '../../../src/blockdevice/config/config-source.ts'
import { planBlockDevice, type BlockDevicePlan } from '../../../src/blockdevice/config/plan.ts'
import type { BlockDeviceParams } from '../../../src/blockdevice/layout/params.ts'
import type { RootFsParams } from '../../../src/blockdevice/config/root-params.ts'

export const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/block-device/', import.meta.url))

export const EXT4_ROOT: RootFsParams = { rootFsType: 'ext4' }

export function fixtureSource(name: string): ConfigSource {
  return new ConfigSource(name, readFileSync(`${FIXTURE_DIR}${name}`, 'utf8'))
}

export function planFixture(name: string, root: RootFsParams = EXT4_ROOT): BlockDevicePlan {
  return planBlockDevice(fixtureSource(name), root)
}

/** Where unit tests pretend a build keeps its images and mounts; nothing there is touched. */
export const UNIT_PARAMS: BlockDeviceParams = {
  imageDir: '/build/img',
  imageSizeBytes: 1024 ** 3,
  mountBase: '/build/mnt',
  rootFsType: 'ext4',
  uuidSeed: 'unit',
}

/** The default layout a built-in element ships (its block-device-default.yaml), planned. */
export function planShippedLayout(
  element: string,
  root: RootFsParams = EXT4_ROOT,
): BlockDevicePlan {
  const path = fileURLToPath(
    new URL(`../../../elements/${element}/block-device-default.yaml`, import.meta.url),
  )
  return planBlockDevice(new ConfigSource(path, readFileSync(path, 'utf8')), root)
}

export function planText(text: string, root: RootFsParams = EXT4_ROOT): BlockDevicePlan {
  return planBlockDevice(new ConfigSource('test.yaml', text), root)
}
