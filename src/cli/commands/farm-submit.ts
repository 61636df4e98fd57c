// `imagewright submit [--wait] -- [disk-image-create options and elements]`: queue a build and
// print its id; with --wait, show its events as the build prints them and exit as it did.
import { userInfo, hostname } from 'node:os'
import { ProcessRunner } from '../../exec/run.ts'
import { UsageError } from '../../errors.ts'
import { silentReporter } from '../../report/events.ts'
import { openFarmDb, openQueue } from '../../farm/farm-db.ts'
import { submitterFileOption, submitterFileSetting } from '../../farm/job-payload.ts'
import { submitBuild } from '../../farm/submit.ts'
import { parseDibCommandLine } from '../dib-options.ts'
import { renderError } from '../render-error.ts'
import { readFarmKey, wholeNumber } from './farm-options.ts'
import { showBuild } from './farm-view.ts'

export interface SubmitCommandOptions {
  readonly db: string
  readonly wait?: boolean | undefined
  readonly priority?: string | undefined
  readonly retries?: string | undefined
  readonly env?: readonly string[] | undefined
  readonly key?: string | undefined
}

export async function submitCommand(
  argv: readonly string[],
  opts: SubmitCommandOptions,
): Promise<number> {
  const command = parseDibCommandLine(argv, process.env)
  if (command.kind !== 'build')
    throw new UsageError(
      '"imagewright submit" queues builds: give the disk-image-create options and elements after "--"',
    )
  const fileOption = submitterFileOption(argv)
  if (fileOption !== undefined) {
    throw new UsageError(
      `Option "${fileOption}" names a file on this machine, which the workers do not have`,
      {
        hint: 'A farm build keeps its log in the database (imagewright logs JOB) and its outputs in the artefact store (imagewright fetch JOB)',
      },
    )
  }
  const fileSetting = submitterFileSetting(process.env as Record<string, string>)
  if (fileSetting !== undefined) {
    throw new UsageError(
      `${fileSetting} names a file on this machine, which the workers do not have`,
      {
        hint: 'Give the block-device YAML itself in the variable instead of a file:// URL',
      },
    )
  }
  const request = {
    options: command.options,
    argv,
    env: process.env,
    extraEnv: opts.env ?? [],
    key: readFarmKey(opts.key),
    priority: wholeNumber('--priority', opts.priority, 0, -1000, 1000),
    retries: wholeNumber('--retries', opts.retries, 2, 0, 100),
    submittedBy: `${userInfo().username}@${hostname()}`,
  }
  let result
  {
    await using db = await openFarmDb(opts.db)
    await using boss = await openQueue(opts.db, { supervise: false })
    result = await submitBuild(db, boss, request, {
      runner: new ProcessRunner({ reporter: silentReporter }),
      reporter: silentReporter,
    })
  }
  process.stdout.write(`${result.id}\n`)
  if (!result.queued) {
    process.stderr.write(renderError(result.error, false))
    return result.error.exitCode
  }
  if (!opts.wait) return 0
  return showBuild(opts.db, result.id, { follow: true })
}
