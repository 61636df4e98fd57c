// The environment contract of hook scripts (DIB section 2.4): the caller's environment plus
// everything the core exports, adjusted for the side of the chroot the script runs on.
import type { PhaseSpec } from './phase-table.ts'

const CHROOT_PATH_TAIL = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

export interface HookEnvInput {
  readonly base: Readonly<Record<string, string>>
  readonly exported: ReadonlyMap<string, string>
  readonly phase: PhaseSpec
  readonly targetRoot: string
  /** Directories put first on PATH for the script (helper commands). */
  readonly pathPrefix: readonly string[]
}

export function buildHookEnv(input: HookEnvInput): Record<string, string> {
  const env: Record<string, string> = { ...input.base }
  for (const [key, value] of input.exported) env[key] = value
  env['LC_ALL'] = 'C'
  const path = [...input.pathPrefix, env['PATH'] ?? '/usr/bin:/bin']
  if (input.phase.side === 'chroot') {
    // Inside the target: host-only settings make no sense there.
    delete env['TMPDIR']
    delete env['VIRTUAL_ENV']
    env['HOME'] = '/root'
    env['PATH'] = `${path.join(':')}:${CHROOT_PATH_TAIL}`
  } else {
    env['PATH'] = path.join(':')
  }
  if (input.phase.setsTargetRoot) env['TARGET_ROOT'] = input.targetRoot
  else delete env['TARGET_ROOT']
  return env
}
