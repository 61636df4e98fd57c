// `imagewright jobs`, `logs`, `cancel` and `fetch`: the farm's history as a table or JSON, a
// build's events printed as the build itself prints them, and its outputs.
import { BUILD_QUEUE, openFarmDb, openQueue } from '../../farm/farm-db.ts'
import { type BuildRecord, listBuilds, requestCancel } from '../../farm/build-records.ts'
import { FarmJobError } from '../../farm/farm-errors.ts'
import { FINAL_STATES, followBuild, requireBuild } from '../../farm/follow.ts'
import { fetchOutputs } from '../../farm/job-outputs.ts'
import { formatEvent } from '../../report/format-event.ts'
import { timestampPrefix } from '../../report/text-reporter.ts'
import { DEFAULT_ARTIFACTS_DIR, wholeNumber } from './farm-options.ts'
import { readSetting } from '../../config/settings.ts'

/** Print a build's events (following it with `follow`) and exit as the build did. */
export async function showBuild(
  db: string,
  id: string,
  options: { readonly follow: boolean },
): Promise<number> {
  await using farm = await openFarmDb(db)
  const timestamps = !readSetting(process.env, 'noTimestamp')
  const record = await followBuild(
    farm.pool,
    id,
    (stored) => {
      const text = formatEvent(stored.event)
      if (text === undefined) return
      const prefix = timestamps ? timestampPrefix(new Date(stored.time)) : ''
      process.stdout.write(
        text
          .split('\n')
          .map((line) => `${prefix}${line}\n`)
          .join(''),
      )
    },
    { follow: options.follow },
  )
  if (record.state === 'completed') {
    for (const output of record.outputs) process.stdout.write(`${output.path}\n`)
    return 0
  }
  if (record.state === 'failed' || record.state === 'cancelled') {
    process.stderr.write(
      `Error: ${record.error ?? `Build ${record.id} was ${record.state}`}\nCode: ${record.errorCode ?? 'ERR_INTERNAL'}\n`,
    )
    return record.exitCode ?? 1
  }
  process.stderr.write(
    `Build ${record.id} is ${record.state}${record.phase ? ` (${record.phase})` : ''}\n`,
  )
  return 0
}

export async function jobsCommand(opts: {
  readonly db: string
  readonly watch?: boolean
  readonly json?: boolean
  readonly limit?: string
}): Promise<number> {
  const limit = wholeNumber('--limit', opts.limit, 50, 1, 10_000)
  await using farm = await openFarmDb(opts.db)
  let shown = ''
  for (;;) {
    const builds = await listBuilds(farm.pool, limit)
    const text = opts.json
      ? `${JSON.stringify(builds.map(jsonOf), null, 2)}\n`
      : renderTable(builds)
    if (text !== shown) process.stdout.write(opts.watch && shown !== '' ? `\n${text}` : text)
    shown = text
    if (!opts.watch) return 0
    await new Promise((resolve) => setTimeout(resolve, 2000))
  }
}

function jsonOf(b: BuildRecord): object {
  return {
    ...b,
    submittedAt: b.submittedAt.toISOString(),
    startedAt: b.startedAt?.toISOString() ?? null,
    finishedAt: b.finishedAt?.toISOString() ?? null,
  }
}

/** The images by name, then how many files lie beside them: "img.qcow2,img.tar +4". */
function outputNames(outputs: BuildRecord['outputs']): string {
  const images = outputs.filter((o) => o.beside !== true)
  const beside = outputs.length - images.length
  return (
    [images.map((o) => o.path.split('/').at(-1)).join(','), beside > 0 ? `+${beside}` : '']
      .filter((part) => part !== '')
      .join(' ') || '-'
  )
}

export function renderTable(builds: readonly BuildRecord[]): string {
  const rows = builds.map((b) => [
    b.id,
    b.state,
    b.worker ?? '-',
    b.state === 'active' ? (b.phase ?? 'starting') : `${b.attempt}`,
    b.error ? `${b.errorCode}: ${b.error.split('\n')[0]}`.slice(0, 80) : '-',
    outputNames(b.outputs),
  ])
  const header = ['ID', 'STATE', 'WORKER', 'PHASE/TRIES', 'ERROR', 'OUTPUTS']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')
  return [line(header), ...rows.map(line)].join('\n') + '\n'
}

/** Cancel a build; waits (up to `timeout` seconds) for its worker to say it stopped. */
export async function cancelCommand(
  id: string,
  opts: { readonly db: string; readonly timeout?: string },
): Promise<number> {
  const timeoutMs = wholeNumber('--timeout', opts.timeout, 120, 0, 86_400) * 1000
  await using farm = await openFarmDb(opts.db)
  const before = await requestCancel(farm.pool, id)
  if (before === undefined) await requireBuild(farm.pool, id)
  if (before !== undefined && FINAL_STATES.has(before)) {
    throw new FarmJobError(`Cannot cancel build ${id}: it is already ${before}`)
  }
  {
    await using boss = await openQueue(opts.db, { supervise: false })
    if (before !== 'active') await boss.cancel(BUILD_QUEUE, id)
  }
  const deadline = Date.now() + timeoutMs
  let record = await requireBuild(farm.pool, id)
  while (!FINAL_STATES.has(record.state) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500))
    record = await requireBuild(farm.pool, id)
  }
  if (record.state === 'active') {
    process.stderr.write(`Build ${id}: cancel requested; its worker has not stopped it yet\n`)
    return 0
  }
  process.stdout.write(
    `Build ${id} ${record.state === 'cancelled' ? 'cancelled' : `ended before the cancel: ${record.state}`}\n`,
  )
  return 0
}

export async function fetchCommand(
  id: string,
  opts: { readonly db: string; readonly artifacts?: string; readonly output?: string },
): Promise<number> {
  await using farm = await openFarmDb(opts.db)
  const record = await requireBuild(farm.pool, id)
  for (const copy of await fetchOutputs(
    record,
    opts.artifacts ?? DEFAULT_ARTIFACTS_DIR,
    opts.output ?? '.',
  ))
    process.stdout.write(`${copy}\n`)
  return 0
}
