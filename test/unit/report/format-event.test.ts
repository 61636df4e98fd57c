import { describe, expect, it } from 'vitest'
import { formatEvent } from '../../../src/report/format-event.ts'

describe('formatEvent() of build-end', () => {
  it.each([
    [
      { kind: 'build-end', ok: true, durationMs: 61_234 } as const,
      true,
      'Build finished after 61.2s',
    ],
    [
      {
        kind: 'build-end',
        ok: false,
        durationMs: 1_000,
        error: { code: 'ERR_HOOK_FAILED', message: 'x' },
      } as const,
      true,
      'Build failed (ERR_HOOK_FAILED) after 1.0s',
    ],
    [{ kind: 'build-end', ok: true, durationMs: 1 } as const, false, undefined],
  ])('formats %j (verbose %s)', (event, verbose, text) => {
    expect(formatEvent(event, verbose)).toBe(text)
  })
})
