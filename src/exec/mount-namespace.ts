// A build as root runs in a mount namespace of its own, so nothing it mounts (workspace tmpfs,
// chroot /proc, /dev, /sys, the image's filesystems) is ever seen on the host, and whatever is
// still mounted when the last process of the build dies vanishes with the namespace.
//
// Node cannot unshare itself (it is multi-threaded), so the command starts itself again under
// `unshare --mount --propagation private` and waits for that copy, passing signals on. `setpriv
// --pdeathsig KILL` ties the copy to this process: a kill -9 of the command kills the build too,
// as it would without a namespace, and `imagewright cleanup` finishes the job. The copy first
// drops the host mounts it has no use for (host/foreign-mounts.ts).
import { spawn, spawnSync } from 'node:child_process'
import { constants } from 'node:os'
import { HostRequirementError } from '../errors.ts'
import { readSetting } from '../config/settings.ts'

/**
 * Set in the copy's environment to the pid of the command that started it: the copy (whose
 * parent that is) drops the host's foreign mounts; any other process that inherits it (a build
 * run by a hook of this build) is inside the namespace already and leaves it alone.
 */
export const MOUNT_NAMESPACE_VARIABLE = 'IMAGEWRIGHT_MOUNT_NAMESPACE'

/** "0" keeps a build as root in the host's mount namespace (see wantsOwnMountNamespace). */
export const OWN_MOUNT_NAMESPACE_SETTING = 'IMAGEWRIGHT_OWN_MOUNT_NAMESPACE'

const RELAYED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const

/** The argv that runs `command` (a program and its arguments) in a private mount namespace. */
export function namespacedArgv(command: readonly string[]): [string, ...string[]] {
  return [
    'setpriv',
    '--pdeathsig',
    'KILL',
    '--',
    'unshare',
    '--mount',
    '--propagation',
    'private',
    '--',
    ...command,
  ]
}

/** Whether this process is the fresh copy a command started in a namespace of its own. */
export function isFreshNamespaceCopy(
  env: NodeJS.ProcessEnv = process.env,
  parent: number = process.ppid,
): boolean {
  return env[MOUNT_NAMESPACE_VARIABLE] === String(parent)
}

/**
 * Whether this process should start itself again in a namespace: as root (unless
 * IMAGEWRIGHT_OWN_MOUNT_NAMESPACE=0), not yet inside one, and where the kernel lets us make one
 * (not in a container without CAP_SYS_ADMIN; there the build mounts in the host's namespace,
 * every mount private, as with the opt-out).
 */
export function wantsOwnMountNamespace(env: NodeJS.ProcessEnv = process.env): boolean {
  if (!readSetting(env, 'ownMountNamespace')) return false
  if (process.getuid?.() !== 0 || env[MOUNT_NAMESPACE_VARIABLE] !== undefined) return false
  const [file, ...args] = namespacedArgv(['true'])
  return spawnSync(file, args, { stdio: 'ignore' }).status === 0
}

/**
 * Run `command` (this one again) in its own mount namespace and return its exit status. A
 * signal sent to this process is passed on; the copy shares the terminal and the process group,
 * so a Ctrl-C reaches it directly too (it counts a signal twice in a row as one).
 */
export function runInOwnMountNamespace(command: readonly string[]): Promise<number> {
  const [file, ...args] = namespacedArgv(command)
  const child = spawn(file, args, {
    stdio: 'inherit',
    env: { ...process.env, [MOUNT_NAMESPACE_VARIABLE]: String(process.pid) },
  })
  const relay = (name: NodeJS.Signals): void => {
    try {
      child.kill(name)
    } catch {
      // Already gone.
    }
  }
  for (const name of RELAYED_SIGNALS) process.on(name, relay)
  return new Promise((resolve, reject) => {
    const stopRelaying = (): void => {
      for (const name of RELAYED_SIGNALS) process.off(name, relay)
    }
    child.once('error', (error) => {
      stopRelaying()
      reject(
        new HostRequirementError(
          `Cannot start the build in a mount namespace of its own: ${error.message}`,
          {
            hint: 'setpriv and unshare come with util-linux; "imagewright doctor" says what is missing',
            cause: error,
          },
        ),
      )
    })
    child.once('exit', (code, signal) => {
      stopRelaying()
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0))
    })
  })
}
