// Runs one build from the command line: reporters on stdout/log file, signal handling, and
// the error → exit code mapping. The same buildImage is what a queue worker calls.
import { appendFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { buildImage } from '../build/build-image.ts'
import type { BuildOptions } from '../config/build-options.ts'
import { CompositeReporter, type Reporter } from '../report/events.ts'
import { JsonLinesReporter, TextReporter } from '../report/text-reporter.ts'
import { exitCodeOf, renderError } from './render-error.ts'
import { trapSignals } from './signals.ts'

export interface CliBuildSettings {
  readonly jsonLog?: string | undefined
  readonly debug?: boolean
}

export function makeReporters(options: BuildOptions, settings: CliBuildSettings): Reporter {
  const reporters: Reporter[] = []
  if (!options.quiet) {
    reporters.push(new TextReporter({
      write: (text) => process.stdout.write(text),
      timestamps: !options.noTimestamp,
      verbose: options.debugTrace > 0,
    }))
  }
  if (options.logfile) {
    const logfile = options.logfile
    mkdirSync(dirname(logfile), { recursive: true })
    reporters.push(new TextReporter({ write: (text) => appendFileSync(logfile, text), timestamps: true, verbose: true }))
  }
  const jsonLog = settings.jsonLog ?? options.jsonLog
  if (jsonLog) {
    mkdirSync(dirname(jsonLog), { recursive: true })
    reporters.push(new JsonLinesReporter((text) => appendFileSync(jsonLog, text)))
  }
  return new CompositeReporter(reporters)
}

export async function runBuildFromCli(options: BuildOptions, settings: CliBuildSettings = {}): Promise<number> {
  const reporter = makeReporters(options, settings)
  using signals = trapSignals((text) => process.stderr.write(text))
  try {
    const result = await buildImage(options, { reporter, signal: signals.signal })
    for (const artifact of result.artifacts) process.stdout.write(`${artifact}\n`)
    return 0
  } catch (error) {
    const interrupted = signals.received()
    const reason: unknown = interrupted ? signals.signal.reason : error
    process.stderr.write(renderError(reason, settings.debug ?? options.debugTrace > 0))
    return exitCodeOf(reason)
  }
}
