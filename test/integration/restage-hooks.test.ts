// The hooks tree after the cache restored a build directory: staged files come from the current
// elements (an edited script runs), files hooks wrote there are kept (a file an extra-data.d
// hook left for finalise.d, an install-types link), and a staged file both a hook and its
// element changed stops the build rather than pick either copy.
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  existsSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { PreparedElements } from '../../src/pipeline/prepare-elements.ts'
import { stageBuildHooks } from '../../src/pipeline/restage-hooks.ts'

let work: string
let buildDir: string
let hooks: string

const elements = (): PreparedElements =>
  ({
    searchPath: [],
    builtins: [],
    resolved: { elements: [{ name: 'e', path: join(work, 'e') }] },
  }) as unknown as PreparedElements

function element(rel: string, content: string): void {
  mkdirSync(join(work, 'e', rel, '..'), { recursive: true })
  writeFileSync(join(work, 'e', rel), content, { mode: 0o755 })
}

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'iw-restage-'))
  buildDir = join(work, 'build')
  hooks = join(buildDir, 'hooks')
  mkdirSync(buildDir)
  element('install.d/10-install', '#!/bin/sh\necho one\n')
  element('finalise.d/90-final', '#!/bin/sh\necho one\n')
  element('post-install.d/50-gone', '#!/bin/sh\n')
})
afterEach(() => rmSync(work, { recursive: true, force: true }))

describe('staging the hooks over a restored build directory', () => {
  it('replaces staged files with the current elements and keeps what hooks wrote', async () => {
    await stageBuildHooks(elements(), buildDir, hooks)
    // What hooks did after staging: a file left for a later phase, a link, an edited staged file.
    writeFileSync(join(hooks, 'left-by-extra-data'), 'noted\n')
    symlinkSync('../install.d/10-install', join(hooks, 'finalise.d', '80-link'))
    writeFileSync(join(hooks, 'install.d', '10-install'), '#!/bin/sh\necho changed by a hook\n')
    // The elements change meanwhile.
    element('finalise.d/90-final', '#!/bin/sh\necho two\n')
    rmSync(join(work, 'e', 'post-install.d', '50-gone'))

    const tree = await stageBuildHooks(elements(), buildDir, hooks)
    expect(tree.root).toBe(hooks)
    expect(readFileSync(join(hooks, 'finalise.d', '90-final'), 'utf8')).toBe(
      '#!/bin/sh\necho two\n',
    )
    expect(existsSync(join(hooks, 'post-install.d', '50-gone'))).toBe(false)
    expect(readFileSync(join(hooks, 'left-by-extra-data'), 'utf8')).toBe('noted\n')
    expect(readlinkSync(join(hooks, 'finalise.d', '80-link'))).toBe('../install.d/10-install')
    // Changed by a hook, unchanged in its element: kept as the hook left it.
    expect(readFileSync(join(hooks, 'install.d', '10-install'), 'utf8')).toBe(
      '#!/bin/sh\necho changed by a hook\n',
    )
    expect(existsSync(`${hooks}.staging`)).toBe(false)
  })

  it('refuses a staged file that a hook and its element both changed', async () => {
    await stageBuildHooks(elements(), buildDir, hooks)
    writeFileSync(join(hooks, 'finalise.d', '90-final'), '#!/bin/sh\necho hook\n')
    element('finalise.d/90-final', '#!/bin/sh\necho element\n')
    await expect(stageBuildHooks(elements(), buildDir, hooks)).rejects.toThrow(
      /a hook changed the staged hook "finalise.d\/90-final"/,
    )
  })
})
