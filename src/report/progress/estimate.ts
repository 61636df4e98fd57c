// The estimate: how long each top-level step took in the last successful build of the same
// elements, kept in the image cache. Remaining time = what the steps not yet finished took
// last time, less the time the running one has had already.
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomically } from '../write-atomically.ts'
import type { BuildEvent, Reporter } from '../events.ts'
import type { ProgressState } from './progress-state.ts'

export interface BuildTimings {
  readonly totalMs: number
  /** Top-level steps in the order they ran. */
  readonly steps: readonly { readonly name: string; readonly durationMs: number }[]
}

/** Builds of the same elements, architecture and output types share a timings file. */
export function timingsPath(
  imageCache: string,
  key: {
    readonly elements: readonly string[]
    readonly arch: string
    readonly types: readonly string[]
  },
): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([[...key.elements].sort(), key.arch, [...key.types].sort()]))
    .digest('hex')
  return join(imageCache, 'timings', `${digest.slice(0, 16)}.json`)
}

export function readTimings(path: string): BuildTimings | undefined {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as BuildTimings
    return typeof data.totalMs === 'number' && Array.isArray(data.steps) ? data : undefined
  } catch {
    return undefined
  }
}

/** Milliseconds left, or undefined with no earlier build to go by. */
export function remainingMs(
  last: BuildTimings | undefined,
  state: ProgressState,
  now: number,
): number | undefined {
  if (last === undefined) return undefined
  const running = state.steps[0]
  let left = 0
  for (const step of last.steps) {
    if (state.finished.has(step.name)) continue
    left +=
      step.name === running?.name
        ? Math.max(step.durationMs - (now - running.startedAt), 0)
        : step.durationMs
  }
  return left
}

/** Records the top-level steps of this build and, when it succeeds, keeps them for the next. */
export class TimingsRecorder implements Reporter {
  readonly #path: string
  readonly #steps: { name: string; durationMs: number }[] = []
  #depth = 0

  constructor(path: string) {
    this.#path = path
  }

  emit(event: BuildEvent): void {
    if (event.kind === 'step-start') this.#depth++
    if (event.kind === 'step-end') {
      this.#depth = Math.max(this.#depth - 1, 0)
      if (this.#depth === 0)
        this.#steps.push({ name: event.step, durationMs: Math.round(event.durationMs) })
    }
    if (event.kind !== 'build-end' || !event.ok) return
    const timings: BuildTimings = { totalMs: Math.round(event.durationMs), steps: this.#steps }
    try {
      mkdirSync(join(this.#path, '..'), { recursive: true })
      writeFileAtomically(this.#path, `${JSON.stringify(timings, null, 1)}\n`)
    } catch {
      // An estimate is a nicety: a cache that cannot be written never fails a build.
    }
  }
}
