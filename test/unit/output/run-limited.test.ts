import { describe, expect, it } from 'vitest'
import { runLimited } from '../../../src/output/run-limited.ts'

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

describe('runLimited', () => {
  it('never runs more than the limit at once and keeps results in job order', async () => {
    let running = 0
    let peak = 0
    const jobs = [30, 5, 20, 1, 10].map((ms, index) => async () => {
      running++
      peak = Math.max(peak, running)
      await new Promise((r) => setTimeout(r, ms))
      running--
      return index
    })
    const { results, errors } = await runLimited(jobs, 2)
    expect(errors).toEqual([])
    expect(results).toEqual([0, 1, 2, 3, 4])
    expect(peak).toBe(2)
  })

  it('starts nothing new after a failure but waits for running jobs', async () => {
    const started: number[] = []
    const slow = deferred()
    let slowDone = false
    const jobs = [
      async () => {
        started.push(0)
        await slow.promise
        slowDone = true
        return 0
      },
      async () => {
        started.push(1)
        throw new Error('boom')
      },
      async () => {
        started.push(2)
        return 2
      },
    ]
    setTimeout(() => slow.resolve(), 20)
    const { results, errors } = await runLimited(jobs, 2)
    expect(started).toEqual([0, 1])
    expect(slowDone).toBe(true)
    expect(results).toEqual([0, undefined, undefined])
    expect(errors).toEqual([new Error('boom')])
  })

  it('stops at an aborted signal', async () => {
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    let ran = false
    const { errors } = await runLimited([async () => (ran = true)], 4, controller.signal)
    expect(ran).toBe(false)
    expect(errors).toEqual([new Error('stop')])
  })
})
