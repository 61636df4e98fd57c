// libexec/dib-run-parts against real directories: which files run, in what order, with which
// environment, and what happens on failure.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { script, useTempDir, writeFiles, type FileSpec } from '../helpers/element-tree.ts'
import { DIB_RUN_PARTS, hookEnv, runOnHost } from './elements-shell-fixture.ts'

/** A phase dir `install.d` plus an `environment.d` next to it; returns the phase dir. */
async function phaseDir(files: Readonly<Record<string, FileSpec>>): Promise<string> {
  const dir = await useTempDir('iw-run-parts-')
  await writeFiles(dir, files)
  return join(dir, 'install.d')
}

/** A script that appends its name to $LOG. */
function logging(name: string, extra = ''): FileSpec {
  return script(`echo ${name} >> "$LOG"${extra ? `\n${extra}` : ''}`)
}

async function runParts(
  dir: string,
  args: readonly string[] = [],
  env: Record<string, string> = {},
) {
  const log = join(dir, '..', 'run.log')
  const result = await runOnHost([DIB_RUN_PARTS, ...args, dir], hookEnv({ LOG: log, ...env }))
  const ran = await readFile(log, 'utf8').then(
    (text) => text.trimEnd().split('\n'),
    () => [] as string[],
  )
  return { ...result, ran }
}

describe('dib-run-parts', () => {
  it('runs executable, well-named regular files in sort -n order', async () => {
    const dir = await phaseDir({
      'install.d/10-ten': logging('10-ten'),
      'install.d/9-nine': logging('9-nine'),
      'install.d/100-hundred': logging('100-hundred'),
      'install.d/50-b': logging('50-b'),
      'install.d/50-a': logging('50-a'),
      'install.d/20-dotted.sh': logging('20-dotted.sh'),
      'install.d/30-not-executable': 'echo 30 >> "$LOG"\n',
      'install.d/40-link': { symlink: '10-ten' },
      'install.d/60-dir/90-inner': logging('90-inner'),
    })
    const { exitCode, ran } = await runParts(dir)
    expect(exitCode).toBe(0)
    // The symlink to an executable file runs too (it reports its target's name).
    expect(ran).toEqual(['9-nine', '10-ten', '10-ten', '50-a', '50-b', '100-hundred'])
  })

  it('sources environment.d in sort -n order before the scripts', async () => {
    const dir = await phaseDir({
      'environment.d/20-second.bash': 'export ORDER="$ORDER second"\nexport VALUE=late\n',
      'environment.d/3-first.bash': 'export ORDER=first\nexport VALUE=early\n',
      'environment.d/bad name': 'export ORDER=broken\n',
      'install.d/10-show': script('echo "$ORDER|$VALUE" >> "$LOG"'),
    })
    const { exitCode, ran } = await runParts(dir)
    expect(exitCode).toBe(0)
    expect(ran).toEqual(['first second|late'])
  })

  it('stops at the first failing script and exits with its status', async () => {
    const dir = await phaseDir({
      'install.d/10-ok': logging('10-ok'),
      'install.d/20-fails': logging('20-fails', 'exit 7'),
      'install.d/30-never': logging('30-never'),
    })
    const { exitCode, ran, stderr } = await runParts(dir)
    expect(exitCode).toBe(7)
    expect(ran).toEqual(['10-ok', '20-fails'])
    expect(stderr).toContain(`Running ${dir}/10-ok`)
    expect(stderr).toContain('10-ok completed')
    expect(stderr).toContain('20-fails failed with status 7')
    expect(stderr).not.toContain('30-never')
  })

  it('prints a timing table on stderr', async () => {
    const dir = await phaseDir({
      'install.d/10-quick': logging('10-quick'),
      'install.d/20-slow': script('sleep 0.3'),
    })
    const { exitCode, stderr, stdout } = await runParts(dir)
    expect(exitCode).toBe(0)
    expect(stdout).toBe('')
    const row = stderr.split('\n').find((line) => line.startsWith('20-slow '))
    const seconds = Number(row?.trim().split(/\s+/).at(-1))
    expect(seconds).toBeGreaterThanOrEqual(0.3)
    expect(seconds).toBeLessThan(5)
    expect(stderr).toMatch(/^10-quick +\d+\.\d{3}$/m)
  })

  it('--list prints what would run without running or sourcing anything', async () => {
    const dir = await phaseDir({
      'environment.d/10-fails': 'exit 3\n',
      'install.d/20-b': logging('20-b'),
      'install.d/10-a': logging('10-a'),
      'install.d/15-skip.sh': logging('skip'),
    })
    const { exitCode, ran, stdout } = await runParts(dir, ['--list'])
    expect(exitCode).toBe(0)
    expect(ran).toEqual([])
    expect(stdout.split('\n')).toEqual([join(dir, '10-a'), join(dir, '20-b')])
  })

  it('logs skipped files only with DIB_DEBUG_TRACE', async () => {
    const dir = await phaseDir({
      'install.d/10-run': logging('10-run'),
      'install.d/20-name.sh': logging('x'),
      'install.d/30-plain': 'data\n',
    })
    const quiet = await runParts(dir, ['--list'])
    expect(quiet.stderr).not.toContain('Ignoring')
    const traced = await runParts(dir, ['--list'], { DIB_DEBUG_TRACE: '1' })
    expect(traced.stderr).toContain(`Ignoring ${dir}/20-name.sh: name does not match`)
    expect(traced.stderr).toContain(`Ignoring ${dir}/30-plain: not executable`)
  })

  it('honours RUN_PARTS_REGEX', async () => {
    const dir = await phaseDir({
      'install.d/10-a.sh': logging('10-a.sh'),
      'install.d/20-b': logging('20-b'),
    })
    const { ran } = await runParts(dir, [], { RUN_PARTS_REGEX: '^[0-9]+-[a-z]+\\.sh$' })
    expect(ran).toEqual(['10-a.sh'])
  })

  it('fails when an environment file fails', async () => {
    const dir = await phaseDir({
      'environment.d/10-broken': 'false\n',
      'install.d/10-a': logging('10-a'),
    })
    const { exitCode, ran } = await runParts(dir)
    expect(exitCode).not.toBe(0)
    expect(ran).toEqual([])
  })

  it('rejects a missing directory and bad usage', async () => {
    const dir = await useTempDir('iw-run-parts-')
    const missing = await runOnHost([DIB_RUN_PARTS, join(dir, 'nope.d')])
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr).toContain('is not a directory')
    const usage = await runOnHost([DIB_RUN_PARTS])
    expect(usage.exitCode).toBe(1)
    expect(usage.stderr).toContain('Usage: dib-run-parts [--list] DIR')
  })

  it('succeeds on an empty directory', async () => {
    const dir = await phaseDir({ 'install.d/README': 'nothing here\n' })
    const { exitCode, ran } = await runParts(dir)
    expect(exitCode).toBe(0)
    expect(ran).toEqual([])
  })
})
