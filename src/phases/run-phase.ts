// Runs one phase: every script of the merged <phase>.d directory in dib-run-parts order, each
// through imagewright-run-hook (run-hook.ts) so environment.d is sourced first, on the host or in
// the chroot. Each script is its own command, so a failure names its script and element.
import { join } from 'node:path'
import { HookFailedError } from '../errors.ts'
import type { Runner } from '../exec/command.ts'
import { CommandFailedError } from '../exec/errors.ts'
import { nullJournal, type ResourceJournal } from '../host/journal.ts'
import { ProcessGroupTracker } from '../host/process-group-tracker.ts'
import type { Reporter } from '../report/events.ts'
import type { PhaseSpec } from './phase-table.ts'
import { formatOutputTail, hookCommand, type HookSite } from './run-hook.ts'

export interface PhaseScript {
  /** File name, e.g. 50-foo. */
  readonly name: string
  /** Element that contributed the script to the merged tree. */
  readonly element: string
}

export interface PhaseRun {
  readonly phase: PhaseSpec
  readonly scripts: readonly PhaseScript[]
  /** environment.d file names in sort -n order. */
  readonly envFiles: readonly string[]
  readonly site: HookSite
}

export interface PhaseDeps {
  readonly runner: Runner
  readonly reporter: Reporter
  /** Each script's process group is journaled while it runs, for `imagewright cleanup`. */
  readonly journal?: ResourceJournal
}

export async function runPhase(run: PhaseRun, deps: PhaseDeps): Promise<void> {
  const { phase } = run
  if (run.scripts.length === 0) return
  const inChroot = phase.side === 'chroot'
  const step = `phase ${phase.dir}`
  deps.reporter.emit({
    kind: 'step-start',
    step,
    detail: `${run.scripts.length} script(s), ${inChroot ? 'in the chroot' : 'on the host'}`,
  })
  const started = performance.now()
  const timings: { script: string; element: string; durationMs: number }[] = []
  let ok = false
  try {
    for (const script of run.scripts) {
      const label = `${phase.dir}/${script.name} (element ${script.element})`
      const scriptStarted = performance.now()
      const tracking = new ProcessGroupTracker(deps.journal ?? nullJournal, label)
      try {
        const command = hookCommand(run.site, phase, {
          envFiles: run.envFiles,
          argv: (hooksDir) => [join(hooksDir, phase.dir, script.name)],
          label,
        })
        await deps.runner.run(command, { onSpawn: (pid) => tracking.started(pid) })
      } catch (error) {
        const exitCode = error instanceof CommandFailedError ? (error.failure.exitCode ?? -1) : -1
        const durationMs = performance.now() - scriptStarted
        deps.reporter.emit({
          kind: 'script-end',
          phase: phase.dir,
          script: script.name,
          element: script.element,
          durationMs,
          exitCode,
        })
        throw hookFailure(error, phase, script)
      } finally {
        await tracking.ended()
      }
      const durationMs = performance.now() - scriptStarted
      timings.push({ script: script.name, element: script.element, durationMs })
      deps.reporter.emit({
        kind: 'script-end',
        phase: phase.dir,
        script: script.name,
        element: script.element,
        durationMs,
        exitCode: 0,
      })
    }
    ok = true
  } finally {
    deps.reporter.emit({ kind: 'phase-summary', phase: phase.dir, scripts: timings })
    deps.reporter.emit({ kind: 'step-end', step, durationMs: performance.now() - started, ok })
  }
}

function hookFailure(error: unknown, phase: PhaseSpec, script: PhaseScript): unknown {
  if (!(error instanceof CommandFailedError)) return error
  const { failure } = error
  if (failure.signal && !failure.exitCode) return error
  const tail = formatOutputTail(failure.tail)
  const status =
    failure.exitCode === undefined ? 'was killed' : `exited with status ${failure.exitCode}`
  // Its own last word (a "die" message, not a -x trace line) makes the error's first line.
  const reason = failure.tail
    .filter((line) => line.trim() !== '' && !line.startsWith('+'))
    .at(-1)
    ?.trim()
  return new HookFailedError(
    `Script "${phase.dir}/${script.name}" of element "${script.element}" ${status}${reason ? `: ${reason}` : ''}${tail ? `; last output:\n${tail}` : ''}`,
    {
      cause: error,
      hint: 'Run again with -x to trace the script, or with break=after-error to get a shell where it failed',
    },
  )
}
