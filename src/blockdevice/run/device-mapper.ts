// LVM needs device-mapper. Hosts without it (containers, this project's CI) would fail halfway
// through a build, after loop devices and partitions exist; we ask first.
import type { Runner } from '../../exec/command.ts'
import type { DeviceHost } from './device-host.ts'

export const DM_CONTROL = '/dev/mapper/control'

/** Why device-mapper cannot be used, or undefined when it can. */
export async function findDeviceMapperProblem(
  runner: Runner,
  host: DeviceHost,
): Promise<string | undefined> {
  if (!(await host.exists(DM_CONTROL))) return `${DM_CONTROL} does not exist`
  const result = await runner.run(
    { argv: ['dmsetup', 'version'] },
    { quiet: true, allowFailure: true },
  )
  if (result.exitCode !== 0) {
    const detail =
      result.stderr.split('\n').find((line) => line.trim() !== '') ?? `exit code ${result.exitCode}`
    return `"dmsetup version" failed: ${detail.trim()}`
  }
  return undefined
}
