// Every shell script imagewright ships (elements, libexec, scripts) passes shellcheck: a quoting
// or word-splitting bug in a hook runs as root on the host.
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { REPO } from '../helpers/cli.ts'

const run = promisify(execFile)

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? walk(path) : entry.isFile() ? [path] : []
  })
}

/** Scripts with a sh/bash shebang, and the bash files environment.d sources (no shebang). */
function shellScripts(): { executables: string[]; sourced: string[] } {
  const files = ['elements', 'libexec', 'scripts'].flatMap((dir) => walk(join(REPO, dir)))
  const executables = files.filter((file) =>
    /^#!\s*\S*\b(ba)?sh\b/.test(readFileSync(file, 'utf8').slice(0, 64)),
  )
  const sourced = files.filter(
    (file) =>
      file.includes('/environment.d/') && !executables.includes(file) && statSync(file).size > 0,
  )
  return {
    executables: executables.map((f) => relative(REPO, f)),
    sourced: sourced.map((f) => relative(REPO, f)),
  }
}

describe('shellcheck', () => {
  const { executables, sourced } = shellScripts()

  it('finds the shipped scripts', () => {
    expect(executables).toContain('elements/debootstrap/root.d/08-debootstrap')
    expect(executables).toContain('scripts/setup.sh')
    expect(executables).toContain('libexec/imagewright-target-write')
    expect(sourced.length).toBeGreaterThan(5)
  })

  it('has nothing to say about any of them', async () => {
    const check = (args: string[]): Promise<string> =>
      run('shellcheck', ['-x', '-f', 'gcc', ...args], { cwd: REPO }).then(
        () => '',
        (error: { stdout?: string; stderr?: string }) =>
          `${error.stdout ?? ''}${error.stderr ?? ''}`,
      )
    expect(await check(executables)).toBe('')
    expect(await check(['-s', 'bash', ...sourced])).toBe('')
  })
})
