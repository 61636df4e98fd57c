// Builds as root run in a mount namespace of their own (see exec/mount-namespace.ts): the
// command starts itself again there, and this process only waits for it.
import { runInOwnMountNamespace, wantsOwnMountNamespace } from '../exec/mount-namespace.ts'

/** The exit status of this same command run in its own namespace, or undefined to go on here. */
export async function inOwnMountNamespace(): Promise<number | undefined> {
  if (!wantsOwnMountNamespace()) return undefined
  return runInOwnMountNamespace([process.execPath, ...process.execArgv, ...process.argv.slice(1)])
}
