import { describe, expect, it } from 'vitest'
import { breakpointFor, readBreakSettings } from '../../../src/phases/breakpoints.ts'
import { phaseSpec } from '../../../src/phases/phase-table.ts'

const settings = (env: Record<string, string>) => readBreakSettings(env)

describe('breakpointFor()', () => {
  it('breaks before a host phase even without scripts, with break_cmd', () => {
    expect(
      breakpointFor(
        settings({ break: 'before-root', break_cmd: 'echo hi' }),
        phaseSpec('root'),
        'before',
        false,
      ),
    ).toEqual({ command: 'echo hi', where: 'host' })
  })

  it('breaks in the chroot only when the chroot phase has scripts', () => {
    const s = settings({ break: 'before-install,after-install' })
    expect(breakpointFor(s, phaseSpec('install'), 'before', false)).toBeUndefined()
    expect(breakpointFor(s, phaseSpec('install'), 'before', true)).toEqual({
      command: 'bash',
      where: 'chroot',
    })
  })

  it('ignores break_cmd for after- breaks', () => {
    expect(
      breakpointFor(
        settings({ break: 'after-install', break_cmd: 'x' }),
        phaseSpec('install'),
        'after',
        true,
      ),
    ).toEqual({ command: 'bash', where: 'chroot' })
  })

  it('runs after-error on the host with break_outside_target', () => {
    const s = settings({ break: 'after-error', break_cmd: 'cp a b', break_outside_target: '1' })
    expect(breakpointFor(s, phaseSpec('finalise'), 'error', true)).toEqual({
      command: 'cp a b',
      where: 'host',
    })
    expect(breakpointFor(s, phaseSpec('block-device'), 'error', true)).toEqual({
      command: 'cp a b',
      where: 'host',
    })
  })

  it('has no after-error for host phases other than block-device', () => {
    expect(
      breakpointFor(settings({ break: 'after-error' }), phaseSpec('root'), 'error', true),
    ).toBeUndefined()
  })

  it('does nothing when break is unset', () => {
    expect(breakpointFor(settings({}), phaseSpec('install'), 'before', true)).toBeUndefined()
  })
})
