// The last resort: an exception nobody caught (a bug) while a build holds resources must not
// kill the process before they are released; the build is aborted, releases, then shows it.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { REPO } from '../helpers/cli.ts'

const run = promisify(execFile)

// A stand-in for a build: holds a "resource" until its abort signal fires, then releases it.
const PROGRAM = `
import { trapSignals } from ${JSON.stringify(join(REPO, 'dist', 'cli', 'signals.js'))}
const scope = trapSignals((text) => process.stderr.write(text))
const held = setInterval(() => {}, 1000)
scope.signal.addEventListener('abort', () => {
  clearInterval(held)
  process.stdout.write('released the resource\\n')
  process.stdout.write('reason: ' + scope.signal.reason.message + '\\n')
  process.exitCode = 1
})
setTimeout(() => { throw new TypeError('x is undefined') }, 50)
`

describe('an uncaught exception during a build', () => {
  it('aborts the build so its resources are released, and says what happened', async () => {
    const result = await run(process.execPath, ['--input-type=module', '-e', PROGRAM], {
      timeout: 20_000,
    }).then(
      (r) => ({ code: 0, ...r }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    )
    expect(result.stderr).toContain(
      'Internal error: stopping the build and releasing its resources',
    )
    expect(result.stdout).toBe('released the resource\nreason: x is undefined\n')
    expect(result.code).toBe(1)
  })
})
