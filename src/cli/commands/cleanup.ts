// `imagewright cleanup`: release what killed builds left behind.
import { STATE_DIR } from '../../build/workspace.ts'
import { requireRoot } from '../../host/host-tools.ts'
import { findAbandonedBuilds, recoverBuild } from '../../host/recover.ts'
import { ProcessRunner } from '../../exec/run.ts'
import { silentReporter } from '../../report/events.ts'

export async function cleanupCommand(options: { readonly force?: boolean; readonly stateDir?: string }): Promise<number> {
  requireRoot('clean up after builds')
  const runner = new ProcessRunner({ reporter: silentReporter })
  const builds = await findAbandonedBuilds(options.stateDir ?? STATE_DIR, options.force ?? false)
  if (builds.length === 0) {
    process.stdout.write('Nothing to clean up: no abandoned builds found\n')
    return 0
  }
  for (const { path, journal } of builds) {
    const result = await recoverBuild(path, journal, { runner, reporter: silentReporter })
    process.stdout.write(`Build ${result.buildId} (pid ${journal.pid}, started ${journal.startedAt}):\n`)
    for (const line of result.released) process.stdout.write(`  released ${line}\n`)
    if (result.released.length === 0) process.stdout.write('  nothing was left\n')
  }
  return 0
}
