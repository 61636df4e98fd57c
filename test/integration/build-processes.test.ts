// Processes a build starts carry its id in their environment, so the build (and `imagewright
// cleanup` after a kill -9) finds them even after they left their process group.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { BUILD_ID_VARIABLE, ProcessRunner } from '../../src/exec/run.ts'
import { processesOfBuild, stopProcessesOfBuild } from '../../src/host/processes.ts'
import { silentReporter } from '../../src/report/events.ts'

/** Alive and not a zombie waiting for whoever adopted it to reap it. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/** Start a sleep that leaves its session and group at once, as a daemon would, and wait for it. */
async function detachedSleep(
  runner: ProcessRunner,
  buildId: string,
  seconds: number,
): Promise<number[]> {
  await runner.run({ argv: ['sh', '-c', `setsid -f sleep ${seconds} >/dev/null 2>&1`] })
  for (let tries = 0; tries < 50; tries += 1) {
    const found = await processesOfBuild(buildId)
    if (found.length > 0) return found
    await sleep(20)
  }
  return []
}

describe('processes of a build', () => {
  it('are found by the id in their environment after leaving their group, and stopped', async () => {
    const buildId = `test-${randomBytes(4).toString('hex')}`
    const runner = new ProcessRunner({ reporter: silentReporter, buildId })
    const found = await detachedSleep(runner, buildId, 3031)
    expect(found).toHaveLength(1)
    const [pid = 0] = found
    // the runner's straggler sweep of the group cannot reach it
    await sleep(2_500)
    expect(isRunning(pid)).toBe(true)
    // ids are matched whole, not by prefix
    expect(await processesOfBuild(buildId.slice(0, -1))).toEqual([])
    expect(await processesOfBuild(`${buildId}0`)).toEqual([])

    expect(await stopProcessesOfBuild(buildId)).toEqual([pid])
    expect(isRunning(pid)).toBe(false)
    expect(await processesOfBuild(buildId)).toEqual([])
  })

  it('see the id as a variable, and a runner without one sets none', async () => {
    const tagged = new ProcessRunner({ reporter: silentReporter, buildId: 'b-42' })
    const script = `printf '%s' "\${${BUILD_ID_VARIABLE}-unset}"`
    expect(
      (await tagged.run({ argv: ['sh', '-c', script], env: { PATH: '/usr/bin:/bin' } })).stdout,
    ).toBe('b-42')
    const untagged = new ProcessRunner({ reporter: silentReporter })
    expect(
      (await untagged.run({ argv: ['sh', '-c', script], env: { PATH: '/usr/bin:/bin' } })).stdout,
    ).toBe('unset')
  })
})
