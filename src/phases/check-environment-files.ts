// environment.d files are sourced before every hook. One with a syntax error would make the
// first hook of the build fail, named as the culprit; `bash -n` finds it before anything runs.
import { join } from 'node:path'
import { listEnvironmentFiles } from '../elements/environment-files.ts'
import { ElementError } from '../errors.ts'
import type { Runner } from '../exec/command.ts'

export interface ElementDir {
  readonly name: string
  readonly path: string
}

/** Throw an ElementError naming the first environment.d file bash cannot parse. */
export async function checkEnvironmentFiles(
  elements: readonly ElementDir[],
  runner: Runner,
): Promise<void> {
  for (const element of elements) {
    const { files } = await listEnvironmentFiles(join(element.path, 'environment.d'))
    for (const file of files) {
      const result = await runner.run(
        { argv: ['bash', '-n', file.path], label: `bash -n ${file.path}` },
        { quiet: true, allowFailure: true },
      )
      if (result.exitCode === 0) continue
      const reason = describeBashSyntaxError(result.stderr, file.path)
      throw new ElementError(
        `Cannot source "environment.d/${file.name}" of element "${element.name}": ${reason}`,
        { hint: `Fix the file, then check it with: bash -n ${file.path}` },
      )
    }
  }
}

/**
 * The first line of `bash -n` output without the file name bash puts in front of it:
 * "/x/10-a.bash: line 2: syntax error near unexpected token `then'" → "line 2: syntax error...".
 */
export function describeBashSyntaxError(stderr: string, path: string): string {
  const first = stderr.split('\n').find((line) => line.trim() !== '')
  if (first === undefined) return 'bash cannot parse it'
  const prefix = `${path}: `
  return first.startsWith(prefix) ? first.slice(prefix.length) : first
}
