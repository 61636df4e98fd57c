// A test's own elements next to the download-free host-os fixture: the hooks it writes and the
// environment its builds run with. Synchronous, for beforeAll blocks and one-line case setups.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HOST_OS_ELEMENTS, hostSnapshot, type HostSnapshot } from './cli.ts'

/** A bash hook with the strict header the tests' hooks share. */
export function hookScript(body: string): string {
  return `#!/bin/bash\nset -eu\nset -o pipefail\n${body}\n`
}

/**
 * Write element `name` under `<work>/elements`: each file by its path in the element; a file
 * that starts with `#!` is made executable.
 */
export function writeTestElement(work: string, name: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(work, 'elements', name, rel)
    mkdirSync(join(path, '..'), { recursive: true })
    writeFileSync(path, content)
    if (content.startsWith('#!')) chmodSync(path, 0o755)
  }
}

/** The environment of a build in `work`: its own elements before host-os, TMPDIR below it. */
export function hostOsEnv(work: string): Record<string, string> {
  return {
    ELEMENTS_PATH: `${join(work, 'elements')}:${HOST_OS_ELEMENTS}`,
    TMPDIR: join(work, 'tmp'),
  }
}

/**
 * A fresh work directory for a system test (`<tmpdir>/<prefix>XXXXXX` with `tmp` and `dirs`
 * below it) and the host as seen from it before any build runs: what the test compares the
 * host against afterwards. The caller removes it in afterAll.
 */
export function makeTestWork(
  prefix: string,
  dirs: readonly string[] = [],
): { work: string; before: HostSnapshot } {
  const work = mkdtempSync(join(tmpdir(), prefix))
  for (const dir of ['tmp', ...dirs]) mkdirSync(join(work, dir), { recursive: true })
  return { work, before: hostSnapshot(work) }
}
