// Builds as root run in a mount namespace of their own (see exec/mount-namespace.ts): the
// command starts itself again there (namespace-entry.ts, before anything else is loaded, or
// here for a caller that did not), and this process only waits for it. The copy first drops
// the host mounts it has no use for (host/foreign-mounts.ts), keeping those that hold a path
// the command names: its arguments, its environment, its working directory, imagewright itself.
import { dirname, isAbsolute, resolve } from 'node:path'
import { PACKAGE_ROOT } from '../util/package-paths.ts'
import {
  isFreshNamespaceCopy,
  runInOwnMountNamespace,
  wantsOwnMountNamespace,
} from '../exec/mount-namespace.ts'
import { ProcessRunner } from '../exec/run.ts'
import { dropForeignMounts, type KeptPaths } from '../host/foreign-mounts.ts'
import { silentReporter } from '../report/events.ts'

/** What a command says it needs, beyond what its argv and environment name. */
export interface NamespaceNeeds {
  readonly containing?: readonly string[]
  readonly within?: readonly string[]
  readonly scratch?: readonly string[]
}

/** Every absolute (or ./ and ../) path in `texts`, split at ':', ',', '=' and white space. */
export function pathsNamedIn(texts: readonly string[], cwd: string): string[] {
  return texts
    .flatMap((text) => text.split(/[:,=\s]+/))
    .flatMap((part) => {
      if (isAbsolute(part)) return [resolve(part)]
      return /^\.\.?(\/|$)/.test(part) ? [resolve(cwd, part)] : []
    })
}

/** The paths the copy keeps mounts for. */
export function keptPaths(
  needs: NamespaceNeeds,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): KeptPaths {
  const named = pathsNamedIn([...argv, ...Object.values(env).flatMap((value) => value ?? [])], cwd)
  const resolved = (paths: readonly string[] | undefined): string[] =>
    (paths ?? []).map((path) => resolve(cwd, path))
  return {
    containing: [
      ...new Set([cwd, dirname(process.execPath), ...named, ...resolved(needs.containing)]),
    ],
    within: [PACKAGE_ROOT, ...resolved(needs.within)],
    scratch: resolved(needs.scratch),
  }
}

/** The exit status of this same command run in its own namespace, or undefined to go on here. */
export async function inOwnMountNamespace(needs: NamespaceNeeds = {}): Promise<number | undefined> {
  if (isFreshNamespaceCopy()) {
    const keep = keptPaths(needs, process.argv.slice(2), process.env, process.cwd())
    const { failed } = await dropForeignMounts(
      keep,
      new ProcessRunner({ reporter: silentReporter }),
    )
    for (const line of failed)
      process.stderr.write(
        `Warning: the build's mount namespace keeps a copy of the host mount ${line}\n`,
      )
    return undefined
  }
  if (!wantsOwnMountNamespace()) return undefined
  return runInOwnMountNamespace([process.execPath, ...process.execArgv, ...process.argv.slice(1)])
}
