import { describe, expect, it } from 'vitest'
import { useLiveProgress } from '../../../src/cli/run-build.ts'

const base = { quiet: false, logfile: undefined, debugTrace: 0, env: { TERM: 'xterm' } }
const tty = { isTTY: true, rows: 30 }

describe('live progress or plain lines', () => {
  it('draws live only on a terminal', () => {
    expect(useLiveProgress(base, tty)).toBe(true)
    expect(useLiveProgress(base, { isTTY: false })).toBe(false)
    expect(useLiveProgress(base, {})).toBe(false)
    expect(useLiveProgress(base, { isTTY: true, rows: 0 })).toBe(false)
  })

  it('writes plain lines with DIB_QUIET, --logfile, -x, TERM=dumb or break=', () => {
    expect(useLiveProgress({ ...base, quiet: true }, tty)).toBe(false)
    expect(useLiveProgress({ ...base, logfile: '/tmp/build.log' }, tty)).toBe(false)
    expect(useLiveProgress({ ...base, debugTrace: 1 }, tty)).toBe(false)
    expect(useLiveProgress({ ...base, env: { TERM: 'dumb' } }, tty)).toBe(false)
    expect(useLiveProgress({ ...base, env: { TERM: 'xterm', break: 'before-install' } }, tty)).toBe(
      false,
    )
  })
})
