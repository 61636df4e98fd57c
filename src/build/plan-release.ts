// The release line of `imagewright plan`: what the build would make, or why it would refuse.
import type { BuildOptions } from '../config/build-options.ts'
import { describeRelease } from '../element-tools/debian-release/shell-facts.ts'
import { isBuilderError } from '../errors.ts'
import { ProcessRunner, hostEnv } from '../exec/run.ts'
import type { Reporter } from '../report/events.ts'
import type { PreparedElements } from './prepare-elements.ts'
import { checkRelease } from './release-preflight.ts'

export async function planRelease(options: BuildOptions, elements: PreparedElements, reporter: Reporter): Promise<string | undefined> {
  const runner = new ProcessRunner({ reporter, baseEnv: hostEnv() })
  try {
    const release = await checkRelease(options, elements, runner, reporter)
    return release === undefined ? undefined : describeRelease(release)
  } catch (error) {
    if (isBuilderError(error)) return `refused: ${error.message}`
    throw error
  }
}
