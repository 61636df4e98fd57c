// One line of text per event, or nothing. The table is exhaustive: a new event kind without a
// formatter does not compile.
import type { BuildEvent } from './events.ts'

type Formatters = {
  readonly [K in BuildEvent['kind']]: (
    event: Extract<BuildEvent, { kind: K }>,
    verbose: boolean,
  ) => string | undefined
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`

const FORMATTERS: Formatters = {
  'step-start': (e) => `==> ${e.step}${e.detail ? ` (${e.detail})` : ''}`,
  'step-end': (e) => `<== ${e.step} ${e.ok ? 'done' : 'FAILED'} in ${seconds(e.durationMs)}`,
  command: (e, verbose) => (verbose ? `+ ${e.argv.join(' ')}` : undefined),
  output: (e) => e.line,
  'script-end': (e) =>
    e.exitCode === 0
      ? `${e.phase}/${e.script} completed (${seconds(e.durationMs)})`
      : `${e.phase}/${e.script} failed${e.exitCode > 0 ? ` with status ${e.exitCode}` : ''} (${seconds(e.durationMs)})`,
  'phase-summary': (e) => {
    if (e.scripts.length === 0) return undefined
    const width = Math.max(...e.scripts.map((s) => s.script.length), 6)
    const rows = e.scripts.map(
      (s) =>
        `  ${s.script.padEnd(width)}  ${(s.durationMs / 1000).toFixed(3).padStart(8)}  ${s.element}`,
    )
    return [
      `Timing of ${e.phase}:`,
      `  ${'Script'.padEnd(width)}  ${'Seconds'.padStart(8)}  Element`,
      ...rows,
    ].join('\n')
  },
  info: (e) => e.message,
  warning: (e) => `WARNING: ${e.message}`,
  resource: (e, verbose) =>
    verbose ? `${e.action === 'acquire' ? 'took' : 'released'} ${e.resource}` : undefined,
  artifact: (e) => `Wrote ${e.path} (${e.format}, ${(e.bytes / 1024 / 1024).toFixed(1)} MiB)`,
  // Progress is drawn live on a terminal (progress/); as lines it would flood a log.
  progress: () => undefined,
  packages: (e, verbose) => (verbose ? `Installed packages: ${e.packages.length}` : undefined),
  'disk-layout': (e, verbose) =>
    verbose
      ? `Disk: ${e.disk.table ?? 'no partition table'}, ${e.disk.partitions.map((p) => `${p.name} ${p.fstype ?? '-'} ${p.mountPoint ?? ''}`.trim()).join('; ')}`
      : undefined,
  'space-usage': (e, verbose) =>
    verbose ? `Image contents: ${(e.totalBytes / 1024 / 1024).toFixed(1)} MiB` : undefined,
  'cache-hit': (e) => `Cache hit (${e.cache}): ${e.what}`,
  'cache-miss': (e) => `Cache miss (${e.cache}): ${e.step}, ${e.reason}`,
  // The CLI already prints the error (stderr) or the artifacts (stdout); logs get the line.
  'build-end': (e, verbose) =>
    verbose
      ? `Build ${e.ok ? 'finished' : `failed (${e.error?.code ?? 'unknown error'})`} after ${seconds(e.durationMs)}`
      : undefined,
}

export function formatEvent(event: BuildEvent, verbose = false): string | undefined {
  const format = FORMATTERS[event.kind] as (e: BuildEvent, verbose: boolean) => string | undefined
  return format(event, verbose)
}
