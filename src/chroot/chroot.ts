// A chroot session: the API filesystems a package manager needs, the hooks tree read-only at
// /tmp/in_target.d, the host's resolver and a daemon-blocking policy-rc.d. Everything is
// released in reverse order, processes left inside first, whatever happened in between.
import type { Runner } from '../exec/command.ts'
import type { ResourceJournal } from '../host/journal.ts'
import { mountOn } from '../host/mount.ts'
import { killProcessesRootedIn } from '../host/processes.ts'
import type { Reporter } from '../report/events.ts'
import { AsyncStack } from '../util/async-stack.ts'
import { safeMountPoint } from './safe-path.ts'
import { hostResolvConf, placeTemporaryFile, POLICY_RC_D, type SetMtime } from './target-files.ts'

export const HOOKS_IN_TARGET = '/tmp/in_target.d'

export interface ChrootDeps {
  readonly runner: Runner
  readonly journal: ResourceJournal
  readonly reporter: Reporter
}

export interface ChrootSession extends AsyncDisposable {
  readonly root: string
}

export async function openChroot(
  root: string,
  hooksDir: string | undefined,
  deps: ChrootDeps,
): Promise<ChrootSession> {
  const stack = new AsyncStack()
  try {
    const mount = async (
      pathInRoot: string,
      request: { source: string; type?: string; bind?: boolean; options?: string[] },
    ): Promise<void> => {
      const target = await safeMountPoint(root, pathInRoot)
      stack.defer(`mount ${target}`, await mountOn({ ...request, target, private: true }, deps))
    }
    await mount('proc', { source: 'proc', type: 'proc' })
    await mount('dev', { source: '/dev', bind: true })
    await mount('dev/pts', { source: '/dev/pts', bind: true })
    // Read-only /sys tells tools such as systemctl and grub-probe they run in a container.
    await mount('sys', {
      source: 'sysfs',
      type: 'sysfs',
      options: ['ro', 'nosuid', 'nodev', 'noexec'],
    })
    if (hooksDir) {
      await mount(HOOKS_IN_TARGET, { source: hooksDir, bind: true })
      await deps.runner.run(
        {
          argv: ['mount', '-o', 'remount,bind,ro', `${root}${HOOKS_IN_TARGET}`],
          label: 'remount hooks read-only',
        },
        { quiet: true },
      )
    }
    const setMtime: SetMtime = async (path, ns) => {
      const seconds = `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`
      await deps.runner.run(
        { argv: ['touch', '-c', '-m', '-d', `@${seconds}`, '--', path], label: 'restore an mtime' },
        { quiet: true },
      )
    }
    const resolv = await placeTemporaryFile(
      root,
      'etc/resolv.conf',
      await hostResolvConf(),
      0o644,
      setMtime,
    )
    stack.defer('resolv.conf', () => resolv.restore())
    const policy = await placeTemporaryFile(
      root,
      'usr/sbin/policy-rc.d',
      POLICY_RC_D,
      0o755,
      setMtime,
    )
    stack.defer('policy-rc.d', () => policy.restore())
  } catch (error) {
    await stack[Symbol.asyncDispose]()
    throw error
  }
  const owned = stack.move()
  return {
    root,
    [Symbol.asyncDispose]: async () => {
      // Processes first: they hold the mounts busy.
      await stopLeftoverProcesses(root, deps.reporter)
      await owned[Symbol.asyncDispose]()
    },
  }
}

async function stopLeftoverProcesses(root: string, reporter: Reporter): Promise<void> {
  const killed = await killProcessesRootedIn(root)
  if (killed.length > 0) {
    reporter.emit({
      kind: 'warning',
      message: `Stopped ${killed.length} process(es) left running in the chroot: ${killed.join(' ')}`,
    })
  }
}
