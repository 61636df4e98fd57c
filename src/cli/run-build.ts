// Runs one build from the command line: reporters (stdout, log file, JSON lines, HTML report),
// signal handling, and the error → exit code mapping. The same buildImage is what a queue
// worker calls.
import { fchmodSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { buildImage } from '../pipeline/build-image.ts'
import type { BuildOptions } from '../config/build-options.ts'
import { CompositeReporter, type Reporter } from '../report/events.ts'
import { HtmlReportReporter } from '../report/html-report-reporter.ts'
import { type BuildOutcome, failureOf } from '../report/outcome.ts'
import { JsonLinesReporter, TextReporter } from '../report/text-reporter.ts'
import { exitCodeOf, renderError } from './render-error.ts'
import { LiveProgressReporter } from '../report/progress/live-reporter.ts'
import { readTimings, timingsPath, TimingsRecorder } from '../report/progress/estimate.ts'
import { trapSignals } from './signals.ts'
import { makeRedactor, redactDeep } from '../util/secrets.ts'
import { readSetting } from '../config/settings.ts'

export interface CliBuildSettings {
  readonly jsonLog?: string | undefined
  readonly htmlReport?: string | undefined
  readonly debug?: boolean
}

export interface CliReporters {
  readonly reporter: Reporter
  /** Called once the build is over: writes what the build-end event has not (the HTML report). */
  readonly finish: (outcome: BuildOutcome) => void
  /** Hides secret values in text shown outside the event stream (the final error). */
  readonly redact: (text: string) => string
}

export function makeReporters(options: BuildOptions, settings: CliBuildSettings): CliReporters {
  const reporters: Reporter[] = []
  const timings = timingsPath(options.imageCache, {
    elements: options.elements,
    arch: options.arch,
    types: options.imageTypes,
  })
  let live: LiveProgressReporter | undefined
  if (useLiveProgress(options)) {
    live = new LiveProgressReporter({ stream: process.stdout, timings: readTimings(timings) })
    reporters.push(live)
  } else if (!options.quiet) {
    reporters.push(
      new TextReporter({
        write: (text) => process.stdout.write(text),
        timestamps: !options.noTimestamp,
        verbose: options.debugTrace > 0,
      }),
    )
  }
  if (options.logfile) {
    reporters.push(
      new TextReporter({
        write: logWriter(options.logfile, 'log file'),
        timestamps: true,
        verbose: true,
      }),
    )
  }
  const jsonLog = settings.jsonLog ?? options.jsonLog
  if (jsonLog) reporters.push(new JsonLinesReporter(logWriter(jsonLog, 'JSON log')))
  const htmlReport = settings.htmlReport ?? options.htmlReport
  let html: HtmlReportReporter | undefined
  if (htmlReport) {
    mkdirSync(dirname(htmlReport), { recursive: true })
    html = new HtmlReportReporter({
      path: htmlReport,
      onWriteError: (error) => {
        const reason = error instanceof Error ? error.message : String(error)
        process.stderr.write(`Warning: Cannot write the HTML report "${htmlReport}": ${reason}\n`)
      },
    })
    reporters.push(html)
  }
  reporters.push(new TimingsRecorder(timings))
  // Secret values never reach the terminal, a log or a report, whatever prints them (set -x).
  const composite = new CompositeReporter(reporters)
  const redact = makeRedactor(options.env)
  return {
    reporter: { emit: (event) => composite.emit(redactDeep(event, redact)) },
    finish: (outcome) => {
      live?.stop()
      html?.finish(redactDeep(outcome, redact))
    },
    redact,
  }
}

/**
 * Appends to a log readable by its owner only (a trace can show what a build did with
 * credentials). A log that cannot be written (a full disk) is given up with one warning: the
 * build goes on, and its resources are still released.
 */
function logWriter(path: string, what: string): (text: string) => void {
  let broken = false
  let fd: number | undefined
  return (text) => {
    if (broken) return
    try {
      if (fd === undefined) {
        mkdirSync(dirname(path), { recursive: true })
        fd = openSync(path, 'a', 0o600)
        fchmodSync(fd, 0o600)
      }
      writeSync(fd, text)
    } catch (error) {
      broken = true
      const reason = error instanceof Error ? error.message : String(error)
      process.stderr.write(
        `Warning: Cannot write the ${what} "${path}": ${reason}; the build goes on without it\n`,
      )
    }
  }
}

/**
 * The live view only on a terminal that has a size, and never with DIB_QUIET, --logfile or -x (plain lines
 * there), nor with break= (its shell needs the terminal to itself).
 */
export function useLiveProgress(
  options: Pick<BuildOptions, 'quiet' | 'logfile' | 'debugTrace' | 'env'>,
  stdout: { readonly isTTY?: boolean; readonly rows?: number } = process.stdout,
): boolean {
  const plain = options.quiet || options.logfile !== undefined || options.debugTrace > 0
  // A terminal without a size (rows 0) cannot show a block that is redrawn in place.
  const sized = (stdout.rows ?? 0) > 0
  return (
    stdout.isTTY === true &&
    sized &&
    !plain &&
    options.env['TERM'] !== 'dumb' &&
    readSetting(options.env, 'breakPoints').size === 0
  )
}

export async function runBuildFromCli(
  options: BuildOptions,
  settings: CliBuildSettings = {},
): Promise<number> {
  const { reporter, finish, redact } = makeReporters(options, settings)
  using signals = trapSignals((text) => process.stderr.write(text))
  try {
    const result = await buildImage(options, { reporter, signal: signals.signal })
    finish({ ok: true })
    for (const artifact of result.artifacts) process.stdout.write(`${artifact}\n`)
    return 0
  } catch (error) {
    // buildImage already says why it ended: the signal, the failure, what could not be released.
    const reason: unknown = error
    finish({ ok: false, ...failureOf(reason) })
    process.stderr.write(redact(renderError(reason, settings.debug ?? options.debugTrace > 0)))
    return exitCodeOf(reason)
  }
}
