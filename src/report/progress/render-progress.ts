// The live block drawn under the log on a terminal: what runs, for how long, how far its task
// has got, and the estimate. A pure function of the state and the clock.
import type { AptProgress } from './apt-progress.ts'
import { isAptActive } from './apt-progress.ts'
import type { ProgressState, TaskProgress } from './progress-state.ts'

const BAR_WIDTH = 24

export function clock(ms: number): string {
  const seconds = Math.max(Math.floor(ms / 1000), 0)
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = String(seconds % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}

export function bar(fraction: number): string {
  const clamped = Math.min(Math.max(fraction, 0), 1)
  const filled = Math.round(clamped * BAR_WIDTH)
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(clamped * 100)).padStart(3)}%`
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`

function taskLine(task: TaskProgress): string {
  if (task.total === undefined || task.total <= 0) return `${task.task}: ${task.done}`
  const amounts =
    task.unit === 'bytes'
      ? `${mib(task.done)} of ${mib(task.total)}`
      : task.unit === 'items'
        ? `${task.done} of ${task.total}`
        : ''
  return `${bar(task.done / task.total)} ${task.task}${amounts ? ` (${amounts})` : ''}`
}

function aptLines(apt: AptProgress): string[] {
  const lines: string[] = []
  if (apt.downloadTotalBytes !== undefined && apt.downloadTotalBytes > 0) {
    lines.push(
      `${bar(apt.downloadedBytes / apt.downloadTotalBytes)} apt download (${mb(apt.downloadedBytes)} of ${mb(apt.downloadTotalBytes)}, ${apt.fetched} archives)`,
    )
  }
  if (apt.packagesTotal !== undefined && apt.packagesTotal > 0) {
    const done = (apt.unpacked + apt.configured) / (2 * apt.packagesTotal)
    lines.push(
      `${bar(done)} apt install (${apt.unpacked} of ${apt.packagesTotal} unpacked, ${apt.configured} set up)`,
    )
  } else if (apt.unpacked > 0) {
    lines.push(`apt: ${apt.unpacked} unpacked, ${apt.configured} set up`)
  }
  return lines
}

function fit(line: string, columns: number): string {
  return line.length <= columns ? line : `${line.slice(0, Math.max(columns - 1, 1))}…`
}

export function renderProgress(
  state: ProgressState,
  now: number,
  remaining: number | undefined,
  columns = 80,
): string {
  const lines: string[] = []
  const step = state.steps.at(-1)
  const where = state.steps.map((s) => s.name).join(' › ') || 'starting'
  lines.push(`▶ ${where}${step ? `  ${clock(now - step.startedAt)}` : ''}`)
  if (state.script)
    lines.push(
      `  ${state.script.name} (element ${state.script.element})  ${clock(now - state.script.startedAt)}`,
    )
  if (isAptActive(state.apt)) lines.push(...aptLines(state.apt).map((l) => `  ${l}`))
  if (state.task) lines.push(`  ${taskLine(state.task)}`)
  if (state.lastLine && state.script) lines.push(`  │ ${state.lastLine}`)
  const estimate =
    remaining === undefined ? '' : `, about ${clock(remaining)} left (from the last build)`
  lines.push(`  elapsed ${clock(now - state.startedAt)}${estimate}`)
  return lines.map((l) => fit(l, columns)).join('\n')
}
