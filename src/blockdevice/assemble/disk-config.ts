// Which block-device config a build uses (DIB's search order: DIB_BLOCK_DEVICE_CONFIG, the
// elements' defaults, a bare filesystem) and the root filesystem parameters from the options.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { BuildOptions } from '../../config/build-options.ts'
import { ConfigError } from '../../errors.ts'
import { readFallbackConfig } from '../config/fallback-config.ts'
import { planBlockDevice, planBlockDeviceFromText, type BlockDevicePlan } from '../config/plan.ts'
import type { RootFsParams } from '../config/root-params.ts'
import { rootMkfsOptions } from './image-size.ts'

function archConfigName(arch: string): string {
  return arch === 'ppc64le' || arch === 'ppc64el'
    ? 'block-device-ppc64el.yaml'
    : `block-device-${arch}.yaml`
}

/** DIB_BLOCK_DEVICE_CONFIG (inline or file://), else the first element's default, else a bare filesystem. */
export async function readBlockDeviceConfig(
  options: Pick<BuildOptions, 'blockDeviceConfig' | 'arch'>,
  resolved: { readonly elements: readonly { readonly path: string }[] },
  root: RootFsParams,
): Promise<BlockDevicePlan> {
  const setting = options.blockDeviceConfig
  if (setting?.startsWith('file://')) {
    const path = setting.slice('file://'.length)
    const text = await readFile(path, 'utf8').catch((error: unknown) => {
      const reason =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'no such file'
          : (error as Error).message
      throw new ConfigError(`Cannot read DIB_BLOCK_DEVICE_CONFIG file "${path}": ${reason}`, {
        cause: error,
        hint: 'Use file:// followed by the path of a readable YAML file, e.g. file:///etc/layout.yaml',
      })
    })
    return planBlockDeviceFromText(text, path, root)
  }
  if (setting !== undefined)
    return planBlockDeviceFromText(setting, 'DIB_BLOCK_DEVICE_CONFIG', root)
  // Unlike DIB, elements are searched in the resolved (deterministic) order.
  for (const element of resolved.elements) {
    for (const name of [archConfigName(options.arch), 'block-device-default.yaml']) {
      const path = join(element.path, name)
      if (existsSync(path)) return planBlockDeviceFromText(await readFile(path, 'utf8'), path, root)
    }
  }
  return planBlockDevice(readFallbackConfig(), root)
}

/** Root filesystem settings from the options: FS_TYPE, ROOT_LABEL and the mkfs options. */
export function rootFsParams(options: BuildOptions): RootFsParams {
  return {
    rootFsType: options.fsType,
    ...(options.rootLabel === undefined ? {} : { rootLabel: options.rootLabel }),
    rootFsOpts: rootMkfsOptions({
      rootFsType: options.fsType,
      journalMiB: options.journalSizeMiB,
      userOptions: options.mkfsOptions,
      maxOnlineResize: options.maxOnlineResize,
    }),
  }
}
