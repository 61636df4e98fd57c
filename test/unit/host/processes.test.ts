import { describe, expect, it } from 'vitest'
import { parseStartTicks } from '../../../src/host/processes.ts'

// /proc/PID/stat: pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
// cmajflt utime stime cutime cstime priority nice num_threads itrealvalue starttime ...
const stat = (comm: string, starttime: string): string =>
  `4242 (${comm}) S 1 4242 4242 0 -1 4194560 120 0 0 0 1 2 0 0 20 0 1 0 ${starttime} 8192 100 18446744073709551615\n`

describe('parseStartTicks()', () => {
  it.each([
    ['bash', 'bash'],
    ['a name with spaces', 'spaced'],
    ['odd) (name', 'parentheses'],
  ])('reads field 22 after the command name "%s" (%s)', (comm) => {
    expect(parseStartTicks(stat(comm, '987654'))).toBe(987654)
  })

  it('gives undefined for a truncated line', () => {
    expect(parseStartTicks('4242 (bash) S 1 4242')).toBeUndefined()
  })
})
