// `imagewright worker`: a farm builder. Logs one line per job to stderr; SIGTERM or Ctrl-C stops
// its builds cleanly and hands them back to the queue.
import { join } from 'node:path'
import { requireRoot } from '../../host/host-tools.ts'
import { ProcessRunner } from '../../exec/run.ts'
import { silentReporter } from '../../report/events.ts'
import { timestampPrefix } from '../../report/text-reporter.ts'
import { runWorker } from '../../farm/worker.ts'
import { parseDibCommandLine } from '../dib-options.ts'
import { UsageError } from '../../errors.ts'
import { DEFAULT_ARTIFACTS_DIR, readFarmKey, wholeNumber } from './farm-options.ts'
import { inOwnMountNamespace } from '../own-namespace.ts'
import { readSetting } from '../../config/settings.ts'

export interface WorkerCommandOptions {
  readonly db: string
  readonly concurrency?: string | undefined
  readonly artifacts?: string | undefined
  readonly name?: string | undefined
  readonly lease?: string | undefined
  readonly poll?: string | undefined
  readonly key?: string | undefined
}

export async function workerCommand(opts: WorkerCommandOptions): Promise<number> {
  requireRoot('run a build worker')
  const key = readFarmKey(opts.key)
  // Every build of this worker mounts in the worker's own namespace, never on the host.
  const status = await inOwnMountNamespace()
  if (status !== undefined) return status
  const log = (line: string): void =>
    void process.stderr.write(`${timestampPrefix(new Date())}${line}\n`)
  const stop = new AbortController()
  let signals = 0
  const onSignal = (name: NodeJS.Signals): void => {
    signals++
    if (signals === 1) {
      log(`Received ${name}: stopping the running builds and handing them back to the queue`)
      stop.abort()
    } else if (signals >= 3) {
      process.exit(name === 'SIGINT' ? 130 : 143)
    }
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    await runWorker(
      {
        db: opts.db,
        name: opts.name,
        concurrency: wholeNumber('--concurrency', opts.concurrency, 1, 1, 64),
        artifactsDir: opts.artifacts ?? DEFAULT_ARTIFACTS_DIR,
        leaseSeconds: wholeNumber('--lease', opts.lease, 60, 3, 86_400),
        pollSeconds: wholeNumber('--poll', opts.poll, 2, 1, 3600),
        key,
        workerEnv: process.env,
        parseBuild: (argv, env) => {
          const command = parseDibCommandLine(argv, env)
          if (command.kind !== 'build')
            throw new UsageError('The job asks for help or the version, not a build')
          return command.options
        },
        runner: new ProcessRunner({ reporter: silentReporter }),
        tmpDir: readSetting(process.env, 'tmpDir'),
        log,
      },
      stop.signal,
    )
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  return 0
}

export const WORKER_HELP = `
The worker builds as root, like disk-image-create. Its environment is the base of every build
it runs (DIB_IMAGE_CACHE, mirrors, TMPDIR); a job's own settings apply over it. Outputs go to
${join(DEFAULT_ARTIFACTS_DIR, '<job id>')}/ unless --artifacts says otherwise. See docs/farm.md.`
