// A build as root runs in a mount namespace of its own, so nothing it mounts (workspace tmpfs,
// chroot /proc, /dev, /sys, the image's filesystems) is ever seen on the host, and whatever is
// still mounted when the last process of the build dies vanishes with the namespace.
//
// Node cannot unshare itself (it is multi-threaded), so the command starts itself again under
// `unshare --mount --propagation private` and waits for that copy, passing signals on. `setpriv
// --pdeathsig KILL` ties the copy to this process: a kill -9 of the command kills the build too,
// as it would without a namespace, and `imagewright cleanup` finishes the job.
import { spawn, spawnSync } from 'node:child_process'
import { constants } from 'node:os'
import { HostRequirementError } from '../errors.ts'
import { readSetting } from '../config/settings.ts'

/** Set in the copy's environment: it is already in its own namespace. */
export const MOUNT_NAMESPACE_VARIABLE = 'IMAGEWRIGHT_MOUNT_NAMESPACE'

/*
 * Opt-in for now (IMAGEWRIGHT_OWN_MOUNT_NAMESPACE=1, the setting ownMountNamespace). Where the
 * host's mounts are private (no systemd as PID 1, as on these build machines), a new namespace takes a copy of every host mount of that moment, and a later
 * unmount on the host does not reach the copy: a disk another tool (customize, a test, a user)
 * had mounted then stays mounted, unclean, and its loop device attached until the build ends.
 * Default-on waits until the copy drops such foreign mounts when it starts.
 */

const RELAYED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const

/** The argv that runs `command` (a program and its arguments) in a private mount namespace. */
export function namespacedArgv(command: readonly string[]): [string, ...string[]] {
  return ['setpriv', '--pdeathsig', 'KILL', '--', 'unshare', '--mount', '--propagation', 'private', '--', ...command]
}

/**
 * Whether this process should start itself again in a namespace: asked for, as root, not yet
 * inside one, and where the kernel lets us make one (not in a container without CAP_SYS_ADMIN).
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
    env: { ...process.env, [MOUNT_NAMESPACE_VARIABLE]: 'private' },
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
      reject(new HostRequirementError(`Cannot start the build in a mount namespace of its own: ${error.message}`, {
        hint: 'setpriv and unshare come with util-linux; "imagewright doctor" says what is missing',
        cause: error,
      }))
    })
    child.once('exit', (code, signal) => {
      stopRelaying()
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0))
    })
  })
}
