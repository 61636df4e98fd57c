// Checks the pure sort -n comparator and the phase script filter against the real tools
// dib-run-parts uses: GNU find, grep -E and `LANG=C sort -n`.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { listPhaseScripts } from '../../src/elements/phase-scripts.ts'
import { compareSortN } from '../../src/util/sort-n.ts'
import { ProcessRunner } from '../../src/exec/run.ts'
import { silentReporter } from '../../src/report/events.ts'
import { script, useTempDir, writeFiles, type FileSpec } from '../helpers/element-tree.ts'

const runner = new ProcessRunner({ reporter: silentReporter })
const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' }

// A deterministic pseudo-random generator, so a failure can be reproduced.
function* randomNames(count: number, seed: number): Generator<string> {
  const alphabet = '0123456789-_.aAbBzZ'
  let state = seed
  const next = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648
    // The low bits of this generator repeat quickly; use the high ones.
    return Math.floor(state / 65_536)
  }
  for (let i = 0; i < count; i++) {
    const length = 1 + (next() % 8)
    let name = ''
    for (let j = 0; j < length; j++) name += alphabet[next() % alphabet.length] ?? ''
    yield name
  }
}

describe('dib-run-parts ordering against the real tools', () => {
  it.each([1, 2, 3])('compareSortN agrees with LANG=C sort -n (seed %d)', async (seed) => {
    const names = [...new Set(randomNames(2000, seed))]
    const { stdout } = await runner.run(
      { argv: ['sort', '-n'], env: ENV, input: `${names.join('\n')}\n` },
      { quiet: true },
    )
    expect([...names].sort(compareSortN)).toEqual(stdout.trimEnd().split('\n'))
  })

  it('listPhaseScripts agrees with find | grep -E | sort -n', async () => {
    const dir = await useTempDir()
    const files: Record<string, FileSpec> = {}
    for (const [i, name] of [...new Set(randomNames(300, 7))].entries()) {
      if (name === '.' || name === '..') continue
      files[name] = i % 3 === 0 ? 'not executable\n' : script()
    }
    await writeFiles(dir, files)
    const pipeline =
      'find "$1" -mindepth 1 -maxdepth 1 -xtype f -executable -printf "%f\\n" ' +
      "| grep -E '^[0-9A-Za-z_-]+$' | sort -n"
    const { stdout } = await runner.run(
      { argv: ['bash', '-c', pipeline, 'oracle', dir], env: ENV },
      { quiet: true },
    )
    const { scripts } = await listPhaseScripts(dir)
    expect(scripts.map((s) => s.name)).toEqual(stdout.trimEnd().split('\n'))
    expect(scripts.length).toBeGreaterThan(50)
    expect(join(dir, scripts[0]?.name ?? '')).toBe(scripts[0]?.path)
  })
})
