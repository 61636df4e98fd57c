// The elements domain end to end on the fixture trees: discover with an override, add the
// implicit elements, resolve, merge the hooks tree, then run install.d the way dib-run-parts
// does (environment.d sourced first) with real bash.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { discoverElements } from '../../src/elements/discover.ts'
import { listEnvironmentFiles } from '../../src/elements/environment-files.ts'
import { buildHooksTree } from '../../src/elements/hooks-tree.ts'
import { withImplicitElements } from '../../src/elements/implicit-elements.ts'
import { listPhaseScripts } from '../../src/elements/phase-scripts.ts'
import { resolveElements } from '../../src/elements/resolve.ts'
import { ProcessRunner } from '../../src/exec/run.ts'
import { silentReporter } from '../../src/report/events.ts'
import { useTempDir } from '../helpers/element-tree.ts'

const FIXTURES = fileURLToPath(new URL('../fixtures/elements/', import.meta.url))
const SEARCH_PATH = [join(FIXTURES, 'site'), join(FIXTURES, 'builtin')]

describe('elements pipeline on test/fixtures/elements', () => {
  it('resolves, merges and runs hooks in dib-run-parts order', async () => {
    const discovered = await discoverElements(SEARCH_PATH)
    expect(discovered.overrides).toEqual([
      {
        name: 'hello',
        usedPath: join(FIXTURES, 'site/hello'),
        ignoredPath: join(FIXTURES, 'builtin/hello'),
      },
    ])

    const requested = withImplicitElements(['fake-os', 'hello', 'vm'], {
      skipBase: false,
      arch: 'amd64',
    })
    const { elements } = resolveElements(requested, discovered)
    expect(elements.map((e) => [e.name, e.requested, e.pulledBy])).toEqual([
      ['fake-os', true, []],
      ['greeting', false, ['hello']],
      ['hello', true, []],
      ['block-device-mbr', true, ['vm']],
      ['vm', true, []],
      ['base', true, []],
    ])

    const hooks = join(await useTempDir(), 'hooks')
    const tree = await buildHooksTree(elements, hooks)
    expect(tree.origins.get('install.d/50-hello')?.element).toBe('hello')
    expect(tree.origins.has('install.d/50-hello-builtin')).toBe(false)
    expect(tree.origins.has('tests/test_greeting.py')).toBe(false)
    expect(tree.origins.get('block-device-default.yaml')?.element).toBe('block-device-mbr')
    expect(await readFile(join(hooks, 'block-device-default.yaml'), 'utf8')).toContain('# mbr')

    const { scripts, skipped } = await listPhaseScripts(join(hooks, 'install.d'))
    expect(scripts.map((s) => s.name)).toEqual(['01-base', '20-greeting', '50-hello'])
    expect(skipped.map((s) => [s.name, s.reason])).toEqual([
      ['README', 'not-executable'],
      ['helper.sh', 'bad-name'],
    ])
    const { files } = await listEnvironmentFiles(join(hooks, 'environment.d'))
    expect(files.map((f) => f.name)).toEqual(['10-fake-os.bash', '20-greeting.bash'])

    const log = join(hooks, '..', 'hook.log')
    const runner = new ProcessRunner({ reporter: silentReporter })
    for (const script of scripts) {
      await runner.run({
        argv: [
          'bash',
          '-c',
          'set -eu; script=$1; shift; for f in "$@"; do source "$f"; done; "$script"',
          'run-part',
          script.path,
          ...files.map((f) => f.path),
        ],
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOOK_LOG: log },
      })
    }
    expect(await readFile(log, 'utf8')).toBe('base one\ngreeting hi from one\nhello from site\n')
  })

  it('uses the EFI block-device element on arm64', async () => {
    const discovered = await discoverElements(SEARCH_PATH)
    const requested = withImplicitElements(['fake-os', 'vm'], { skipBase: true, arch: 'arm64' })
    const { elements } = resolveElements(requested, discovered)
    expect(elements.map((e) => e.name)).toEqual(['fake-os', 'block-device-efi', 'vm'])
  })
})
