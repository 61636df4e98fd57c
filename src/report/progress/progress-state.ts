// The live view's model: a fold of build events into what is running now (the step stack, the
// script, the last line it printed, task and apt progress). Pure, so the view is tested on
// events alone.
import type { BuildEvent, ProgressUnit } from '../events.ts'
import { foldAptLine, NO_APT_PROGRESS, type AptProgress } from './apt-progress.ts'

export interface TaskProgress {
  readonly task: string
  readonly done: number
  readonly total: number | undefined
  readonly unit: ProgressUnit
}

export interface RunningStep {
  readonly name: string
  readonly startedAt: number
}

export interface ProgressState {
  readonly startedAt: number
  readonly steps: readonly RunningStep[]
  /** Top-level steps already done, with their durations: what the estimate subtracts. */
  readonly finished: ReadonlyMap<string, number>
  readonly script:
    { readonly name: string; readonly element: string; readonly startedAt: number } | undefined
  readonly lastLine: string | undefined
  readonly task: TaskProgress | undefined
  readonly apt: AptProgress
}

export function initialProgress(now: number): ProgressState {
  return {
    startedAt: now,
    steps: [],
    finished: new Map(),
    script: undefined,
    lastLine: undefined,
    task: undefined,
    apt: NO_APT_PROGRESS,
  }
}

const HOOK_LABEL = /^([^/]+)\/(.+) \(element (.+)\)$/

export function foldProgress(state: ProgressState, event: BuildEvent, now: number): ProgressState {
  switch (event.kind) {
    case 'step-start':
      return {
        ...state,
        steps: [...state.steps, { name: event.step, startedAt: now }],
        task: undefined,
      }
    case 'step-end': {
      const at = state.steps.findLastIndex((s) => s.name === event.step)
      const steps = at < 0 ? state.steps : state.steps.slice(0, at)
      const finished =
        at === 0 ? new Map([...state.finished, [event.step, event.durationMs]]) : state.finished
      const leftPhase = event.step.startsWith('phase ')
      return {
        ...state,
        steps,
        finished,
        task: undefined,
        ...(leftPhase ? { script: undefined, apt: NO_APT_PROGRESS, lastLine: undefined } : {}),
      }
    }
    case 'command': {
      const hook = HOOK_LABEL.exec(event.label)
      if (!hook) return state
      return {
        ...state,
        script: {
          name: `${hook[1] ?? ''}/${hook[2] ?? ''}`,
          element: hook[3] ?? '',
          startedAt: now,
        },
        lastLine: undefined,
        apt: NO_APT_PROGRESS,
      }
    }
    case 'script-end':
      return { ...state, script: undefined }
    case 'output': {
      const line = event.line.trim()
      if (line === '') return state
      return { ...state, lastLine: line, apt: foldAptLine(state.apt, line) }
    }
    case 'progress':
      return {
        ...state,
        task: { task: event.task, done: event.done, total: event.total, unit: event.unit },
      }
    default:
      return state
  }
}
