// `imagewright cleanup`: release what killed builds left behind.
import { stateDir as defaultStateDir } from '../../pipeline/workspace.ts'
import { ExitCode } from '../../errors.ts'
import { requireRoot } from '../../host/host-tools.ts'
import { findOrphanWorkspaces, releaseOrphan } from '../../host/orphans.ts'
import { recoverBuild, scanStateDir } from '../../host/recover.ts'
import { ProcessRunner } from '../../exec/run.ts'
import { silentReporter } from '../../report/events.ts'
import { readSetting } from '../../config/settings.ts'

export async function cleanupCommand(options: {
  readonly force?: boolean
  readonly stateDir?: string
}): Promise<number> {
  requireRoot('clean up after builds')
  const runner = new ProcessRunner({ reporter: silentReporter })
  const stateDir = options.stateDir ?? defaultStateDir()
  const { abandoned: builds, unreadable } = await scanStateDir(stateDir, options.force ?? false)
  for (const { path, reason } of unreadable) {
    process.stderr.write(
      `Warning: Cannot read the build journal "${path}": ${reason}. Check what it names, release that by hand, then delete the file\n`,
    )
  }
  const tmpDir = readSetting(process.env, 'tmpDir')
  for (const { path, journal } of builds) {
    const result = await recoverBuild(path, journal, { runner, reporter: silentReporter })
    process.stdout.write(
      `Build ${result.buildId} (pid ${journal.pid}, started ${journal.startedAt}):\n`,
    )
    for (const line of result.released) process.stdout.write(`  released ${line}\n`)
    if (result.released.length === 0) process.stdout.write('  nothing was left\n')
  }
  // After a reboot (or a lost journal) only the workspaces on disk are left to say what was there.
  const orphans = await findOrphanWorkspaces(tmpDir)
  for (const orphan of orphans) {
    process.stdout.write(
      `Workspace ${orphan.dir} of build ${orphan.buildId} (${orphan.why}, no journal):\n`,
    )
    for (const line of await releaseOrphan(orphan, { runner, reporter: silentReporter }))
      process.stdout.write(`  released ${line}\n`)
  }
  if (builds.length === 0 && orphans.length === 0) {
    process.stdout.write(
      `Nothing to clean up: no abandoned builds found (journals in ${stateDir}, workspaces in ${tmpDir})\n`,
    )
  }
  return unreadable.length > 0 ? ExitCode.BlockDevice : 0
}
