// Shared helpers for the tests of the built-in shell elements: where they live, how to run one
// of their scripts on the host or in a host-os chroot, and a throw-away host-os root.
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll } from 'vitest'
import type { RunResult } from '../../src/exec/command.ts'
import { ProcessRunner } from '../../src/exec/run.ts'
import { silentReporter } from '../../src/report/events.ts'
import { useTempDir } from '../helpers/element-tree.ts'

export const REPO = fileURLToPath(new URL('../..', import.meta.url))
export const ELEMENTS = join(REPO, 'elements')
export const LIBEXEC = join(REPO, 'libexec')
export const HOST_OS = join(REPO, 'test/fixtures/elements/host-os')
export const DIB_RUN_PARTS = join(LIBEXEC, 'dib-run-parts')

/** Where the merged hooks tree is seen inside the chroot. */
export const HOOKS_IN_TARGET = '/tmp/in_target.d'

export const runner = new ProcessRunner({ reporter: silentReporter })

// imagewright's helpers (imagewright-target-write...) are on the PATH of host-side hooks, as in a build.
const HOST_PATH = `${LIBEXEC}:${process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`

/** A minimal hook environment: nothing from the test runner leaks into the scripts. */
export function hookEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { PATH: HOST_PATH, LC_ALL: 'C', HOME: '/root', ...extra }
}

/** Run a command on the host; a failure is returned, not thrown. */
export async function runOnHost(
  argv: readonly [string, ...string[]],
  env: Readonly<Record<string, string>> = hookEnv(),
): Promise<RunResult> {
  return runner.run({ argv, env }, { quiet: true, allowFailure: true })
}

/** Run a command inside `root` with chroot(8); a failure is returned, not thrown. */
export async function runInRoot(
  root: string,
  argv: readonly [string, ...string[]],
  extra: Readonly<Record<string, string>> = {},
): Promise<RunResult> {
  const env = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin',
    LC_ALL: 'C',
    HOME: '/root',
    ...extra,
  }
  return runner.run({ argv, env, chroot: root }, { quiet: true, allowFailure: true })
}

async function buildHostOsRoot(
  root: string,
  extra: Readonly<Record<string, string>>,
): Promise<void> {
  const result = await runOnHost(
    [join(HOST_OS, 'root.d/10-host-os-root')],
    hookEnv({ TARGET_ROOT: root, ...extra }),
  )
  if (result.exitCode !== 0) throw new Error(`host-os root.d failed:\n${result.stderr}`)
}

// Building a root runs ldd on every tool; tests copy one template per test file instead.
let template: Promise<string> | undefined
const templates: string[] = []
afterAll(async () => {
  for (const dir of templates) await rm(dir, { recursive: true, force: true })
})

async function hostOsTemplate(): Promise<string> {
  template ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iw-host-os-template-'))
    templates.push(dir)
    await buildHostOsRoot(dir, {})
    return dir
  })()
  return template
}

/**
 * A host-os root (its root.d script) in a temporary directory removed after the test. With
 * `extra` environment the root is built afresh, else copied from the file's template.
 */
export async function makeHostOsRoot(
  extra: Readonly<Record<string, string>> = {},
): Promise<string> {
  const root = await useTempDir('iw-host-os-')
  if (Object.keys(extra).length > 0) {
    await buildHostOsRoot(root, extra)
    return root
  }
  const copied = await runOnHost(['cp', '-a', `${await hostOsTemplate()}/.`, root])
  if (copied.exitCode !== 0) throw new Error(`Cannot copy the host-os template:\n${copied.stderr}`)
  return root
}

/**
 * Copy element parts into the root's /tmp/in_target.d, the way the core merges the hooks tree
 * (a copy here, so no bind mount is needed). `parts` are paths relative to ELEMENTS or absolute.
 */
export async function placeHooks(
  root: string,
  parts: Readonly<Record<string, string>>,
): Promise<string> {
  const hooks = join(root, HOOKS_IN_TARGET)
  for (const [target, source] of Object.entries(parts)) {
    const from = source.startsWith('/') ? source : join(ELEMENTS, source)
    const to = join(hooks, target)
    await mkdir(join(to, '..'), { recursive: true })
    await cp(from, to, { recursive: true, verbatimSymlinks: true })
  }
  return hooks
}
