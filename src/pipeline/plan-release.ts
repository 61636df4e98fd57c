// The release line of `imagewright plan`: what the build would make, or why it would refuse.
import type { BuildOptions } from '../config/build-options.ts'
import { describeRelease } from '../element-tools/debian-release/shell-facts.ts'
import { isBuilderError } from '../errors.ts'
import { ProcessRunner, hostEnv } from '../exec/run.ts'
import type { Reporter } from '../report/events.ts'
import type { ResolvedRelease } from '../element-tools/debian-release/resolve.ts'
import type { PreparedElements } from './prepare-elements.ts'
import { checkRelease } from './release-preflight.ts'

export async function planRelease(
  options: BuildOptions,
  elements: PreparedElements,
  reporter: Reporter,
): Promise<{ line: string | undefined; release: ResolvedRelease | undefined; refused: boolean }> {
  const runner = new ProcessRunner({ reporter, baseEnv: hostEnv() })
  try {
    const release = await checkRelease(options, elements, runner, reporter)
    return {
      line: release === undefined ? undefined : describeRelease(release),
      release,
      refused: false,
    }
  } catch (error) {
    if (isBuilderError(error))
      return { line: `refused: ${error.message}`, release: undefined, refused: true }
    throw error
  }
}
