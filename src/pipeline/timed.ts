import type { Reporter } from '../report/events.ts'

/** Run `work` as a named step: start and end events with its duration and outcome. */
export async function timed<T>(
  reporter: Reporter,
  step: string,
  work: () => Promise<T>,
): Promise<T> {
  reporter.emit({ kind: 'step-start', step })
  const started = performance.now()
  let ok = false
  try {
    const result = await work()
    ok = true
    return result
  } finally {
    reporter.emit({ kind: 'step-end', step, durationMs: performance.now() - started, ok })
  }
}
