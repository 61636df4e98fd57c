// The shell-readiness probe against real shells. login(1) may flush typed-ahead input in the
// middle of a probe line, so the shell can receive any tail of it; whatever tail arrives, the
// next whole probe must still print the marker (a tail with an odd quote once left bash at its
// continuation prompt for the rest of a CI boot test).
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { buildCommandLine, markerEcho, markerPattern } from '../../src/boot/guest-shell.ts'

const NONCE = '1a9c91f6'

function runShell(shell: string, input: string): string {
  // stdin, not a tty: the parser's quoting and continuation rules are the same
  return execFileSync(shell, [], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] })
}

describe.each(['bash', 'sh'])('probe lines read by %s', (shell) => {
  const probe = markerEcho(NONCE, 'READY')

  it('print the marker, which the probe line itself does not contain', () => {
    expect(markerPattern(NONCE, 'READY').test(probe)).toBe(false)
    expect(runShell(shell, `${probe}\n`)).toBe(`__IW_${NONCE}_READY__\n`)
  })

  it('still answer after any tail of an earlier probe', () => {
    const stuck: string[] = []
    for (let cut = 1; cut < probe.length; cut += 1) {
      const tail = probe.slice(cut)
      let output: string
      try {
        output = runShell(shell, `${tail}\n${probe}\n`)
      } catch (error) {
        // a tail that is not a command fails; the shell reads on and the probe runs
        output = String((error as { stdout?: string }).stdout ?? '')
      }
      if (!markerPattern(NONCE, 'READY').test(output)) stuck.push(tail)
    }
    expect(stuck).toEqual([])
  })

  it('frame a command and its status', () => {
    const line = buildCommandLine(`printf '%s\\n' "it's"; false`, NONCE, 2).replace('\r', '\n')
    expect(runShell(shell, line)).toBe(`__IW_${NONCE}_B2__\nit's\n__IW_${NONCE}_E2__ 1\n`)
  })
})
