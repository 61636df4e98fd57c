// After a kill -9 of a build, `imagewright cleanup` stops the process groups its journal names
// (hook scripts on the host run outside every build directory) and nothing else.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ProcessRunner } from '../../src/exec/run.ts'
import { FileJournal } from '../../src/host/journal.ts'
import { ProcessGroupTracker } from '../../src/host/process-group-tracker.ts'
import { membersOfGroup, processStartTicks } from '../../src/host/processes.ts'
import { findAbandonedBuilds, recoverBuild } from '../../src/host/recover.ts'
import { silentReporter } from '../../src/report/events.ts'

const runner = new ProcessRunner({ reporter: silentReporter })
let dir = ''

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iw-pgroup-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Run `imagewright cleanup`'s recovery for the abandoned build with this id. */
async function recover(buildId: string): Promise<readonly string[]> {
  const found = (await findAbandonedBuilds(dir)).find((build) => build.journal.buildId === buildId)
  if (found === undefined) throw new Error(`build ${buildId} is not abandoned`)
  return (await recoverBuild(found.path, found.journal, { runner, reporter: silentReporter }))
    .released
}

/** A pid that is certainly not running: a process that has already exited. */
async function deadPid(): Promise<number> {
  let pid = 0
  await runner.run({ argv: ['true'] }, { onSpawn: (p) => (pid = p) })
  return pid
}

/** Start a command whose group outlives its journal's owner, as a hook outlives a killed build. */
async function startTracked(journal: FileJournal, marker: number) {
  let pgid = 0
  const tracker = new ProcessGroupTracker(journal, `nap ${marker}`)
  const running = runner.run(
    { argv: ['sh', '-c', `cd / && sleep ${marker} & sleep ${marker}; wait`] },
    {
      allowFailure: true,
      onSpawn: (pid) => {
        pgid = pid
        tracker.started(pid)
      },
    },
  )
  while ((await membersOfGroup(pgid, (await processStartTicks(pgid)) ?? 0)).length < 3)
    await sleep(50)
  while (journal.entries.length === 0) await sleep(20)
  return { running, pgid }
}

describe('process groups in the resource journal', () => {
  it('records a running group, and cleanup of the abandoned build stops all of its members', async () => {
    const journal = new FileJournal(join(dir, 'build.json'), 'b1', await deadPid())
    const { running, pgid } = await startTracked(journal, 3021)
    const startTicks = await processStartTicks(pgid)
    expect(journal.entries).toEqual([{ kind: 'process-group', pgid, startTicks, what: 'nap 3021' }])

    expect(await recover('b1')).toContain(`process group ${pgid} (nap 3021)`)
    const result = await running
    expect(result.exitCode).not.toBe(0)
    expect(await membersOfGroup(pgid, startTicks ?? 0)).toEqual([])
  })

  it('leaves a group alone whose id now belongs to a process started at another time', async () => {
    const journal = new FileJournal(join(dir, 'build.json'), 'b2', await deadPid())
    const { running, pgid } = await startTracked(journal, 3022)
    const startTicks = (await processStartTicks(pgid)) ?? 0
    const stale = new FileJournal(join(dir, 'stale.json'), 'b3', await deadPid())
    await stale.record({
      kind: 'process-group',
      pgid,
      startTicks: startTicks - 1,
      what: 'older group',
    })
    expect(await recover('b3')).toEqual([])
    expect(await membersOfGroup(pgid, startTicks)).toHaveLength(3)
    // now the real owner's cleanup
    expect(await recover('b2')).toContain(`process group ${pgid} (nap 3022)`)
    await running
    expect(await membersOfGroup(pgid, startTicks)).toEqual([])
  })

  it('strikes the group off when the command ends', async () => {
    const journal = new FileJournal(join(dir, 'build.json'), 'b4', process.pid)
    const tracker = new ProcessGroupTracker(journal, 'quick')
    await runner.run({ argv: ['sleep', '0.3'] }, { onSpawn: (pid) => tracker.started(pid) })
    await tracker.ended()
    expect(journal.entries).toEqual([])
  })
})

describe('journals a killed build was rewriting', () => {
  const write = (name: string, text: string) => writeFile(join(dir, name), text)

  it('reads the complete temporary version as the newer one, and removes both files', async () => {
    const pid = await deadPid()
    const old = {
      buildId: 'k1',
      pid,
      startedAt: 'x',
      entries: [{ kind: 'dir', path: join(dir, 'gone-a') }],
    }
    const newer = { ...old, entries: [...old.entries, { kind: 'dir', path: join(dir, 'gone-b') }] }
    await write('k1.json', JSON.stringify(old))
    await write('k1.json.tmp', JSON.stringify(newer))
    const [found] = await findAbandonedBuilds(dir)
    expect(found?.path).toBe(join(dir, 'k1.json'))
    expect(found?.journal.entries).toHaveLength(2)
    await recover('k1')
    expect(await readdir(dir)).toEqual([])
  })

  it('falls back to the renamed version when the temporary one was cut short', async () => {
    const pid = await deadPid()
    await write('k2.json', JSON.stringify({ buildId: 'k2', pid, startedAt: 'x', entries: [] }))
    await write('k2.json.tmp', '{"buildId": "k2", "pid": ')
    expect((await findAbandonedBuilds(dir)).map((b) => b.journal.buildId)).toEqual(['k2'])
    await recover('k2')
    expect(await readdir(dir)).toEqual([])
  })

  it('finds a build that died before its first rename', async () => {
    const pid = await deadPid()
    await write('k3.json.tmp', JSON.stringify({ buildId: 'k3', pid, startedAt: 'x', entries: [] }))
    expect((await findAbandonedBuilds(dir)).map((b) => b.path)).toEqual([join(dir, 'k3.json')])
    await recover('k3')
    expect(await readdir(dir)).toEqual([])
  })
})
