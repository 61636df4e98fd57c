// The environment hooks see once every environment.d file has been sourced, worked out before
// the build touches the host: `imagewright plan` shows it and the preflight checks read it
// (an element may set DIB_RELEASE in a file sourced after the one that gave its default).
import { join } from 'node:path'
import { listEnvironmentFiles } from '../elements/environment-files.ts'
import { compareSortN } from '../util/sort-n.ts'
import type { Runner } from '../exec/command.ts'
import { buildHookEnv } from '../phases/hook-env.ts'
import { phaseSpec } from '../phases/phase-table.ts'
import type { ElementDir } from '../phases/check-environment-files.ts'
import { LIBEXEC_DIR } from '../util/package-paths.ts'

/** The environment.d files of all elements merged as in the hooks tree, in sort -n order. */
export async function mergedEnvironmentFiles(elements: readonly ElementDir[]): Promise<string[]> {
  const byName = new Map<string, string>()
  for (const element of elements) {
    for (const file of (await listEnvironmentFiles(join(element.path, 'environment.d'))).files)
      byName.set(file.name, file.path)
  }
  return [...byName.keys()].sort(compareSortN).map((name) => byName.get(name) ?? name)
}

export type FinalEnvironment =
  | { readonly ok: true; readonly env: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly reason: string }

/**
 * Source the files in one bash, as before a root.d hook, and read back its environment.
 * A file that fails here (it may expect a real workspace) is reported, not thrown: the hook
 * that sources it will fail with the full story.
 */
export async function finalEnvironment(
  elements: readonly ElementDir[],
  input: {
    readonly base: Readonly<Record<string, string>>
    readonly exported: ReadonlyMap<string, string>
    readonly targetRoot: string
  },
  runner: Runner,
): Promise<FinalEnvironment> {
  const files = await mergedEnvironmentFiles(elements)
  const env = buildHookEnv({ ...input, phase: phaseSpec('root'), pathPrefix: [LIBEXEC_DIR] })
  const result = await runner.run(
    {
      argv: [
        'bash',
        '-c',
        'set -e; for f; do source "$f" > /dev/null; done; env -0',
        'final-environment',
        ...files,
      ],
      env,
      label: 'environment.d (final values)',
    },
    { quiet: true, allowFailure: true },
  )
  if (result.exitCode !== 0) {
    return {
      ok: false,
      reason:
        result.stderr.trim().split('\n').at(-1) ?? `bash exited with status ${result.exitCode}`,
    }
  }
  const final: Record<string, string> = {}
  for (const pair of result.stdout.split('\0')) {
    const eq = pair.indexOf('=')
    if (eq > 0) final[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return { ok: true, env: final }
}
