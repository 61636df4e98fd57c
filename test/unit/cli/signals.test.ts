import { afterEach, describe, expect, it } from 'vitest'
import { SAME_SIGNAL_WINDOW_MS, trapSignals, type SignalScope } from '../../../src/cli/signals.ts'

let scope: SignalScope | undefined
afterEach(() => scope?.[Symbol.dispose]())

describe('trapSignals', () => {
  it('counts the copy of a signal passed on by the namespace relay once, a later one again', () => {
    let clock = 0
    const said: string[] = []
    scope = trapSignals(
      (text) => said.push(text),
      () => clock,
    )
    process.emit('SIGTERM', 'SIGTERM')
    clock += 5
    process.emit('SIGTERM', 'SIGTERM')
    expect(scope.received()).toBe('SIGTERM')
    expect(scope.signal.aborted).toBe(true)
    expect(said.join('')).not.toContain('Still releasing')
    clock += SAME_SIGNAL_WINDOW_MS
    process.emit('SIGTERM', 'SIGTERM')
    expect(said.join('')).toContain('Still releasing')
  })

  it('counts a different signal at once', () => {
    const said: string[] = []
    scope = trapSignals(
      (text) => said.push(text),
      () => 0,
    )
    process.emit('SIGHUP', 'SIGHUP')
    process.emit('SIGTERM', 'SIGTERM')
    expect(scope.received()).toBe('SIGHUP')
    expect(said.join('')).toContain('Still releasing')
  })
})
