// The first thing a build command does as root, before loading the rest of imagewright: start
// itself again in a mount namespace of its own (exec/mount-namespace.ts) and wait for that copy,
// which loads the rest once. Only node built-ins are loaded here, so the namespace costs one
// bare node start, not two full ones.
import { runInOwnMountNamespace, wantsOwnMountNamespace } from '../exec/mount-namespace.ts'

/** `imagewright` subcommands that mount: they run in a namespace of their own as root. */
export const NAMESPACED_SUBCOMMANDS: ReadonlySet<string> = new Set(['build', 'customize', 'worker'])

/** The exit status of this command run in its own namespace, or undefined to go on here. */
export async function ranInOwnMountNamespace(): Promise<number | undefined> {
  if (!wantsOwnMountNamespace()) return undefined
  try {
    return await runInOwnMountNamespace([
      process.execPath,
      ...process.execArgv,
      ...process.argv.slice(1),
    ])
  } catch (error) {
    const { exitCodeOf, renderError } = await import('./render-error.ts')
    process.stderr.write(renderError(error, false))
    return exitCodeOf(error)
  }
}
