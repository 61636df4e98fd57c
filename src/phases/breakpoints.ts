// DIB's `break=` debugging: stop before or after a phase, or when a script fails, and run a
// shell (or `break_cmd`) where the phase runs. Rules follow DIB: before-X of a host phase fires
// even when the phase has no scripts; chroot phases break only when they have scripts;
// after-error covers chroot phases and block-device.d, on the host with break_outside_target.
import type { PhaseSpec } from './phase-table.ts'
import { readSetting } from '../config/settings.ts'

export type BreakKind = 'before' | 'after' | 'error'

export interface BreakSettings {
  readonly points: ReadonlySet<string>
  readonly command: string | undefined
  readonly outsideTarget: boolean
}

export function readBreakSettings(env: Readonly<Record<string, string>>): BreakSettings {
  return {
    points: readSetting(env, 'breakPoints'),
    command: readSetting(env, 'breakCommand'),
    outsideTarget: readSetting(env, 'breakOutsideTarget'),
  }
}

export interface BreakDecision {
  /** The shell command to run (`bash` opens an interactive shell). */
  readonly command: string
  readonly where: 'host' | 'chroot'
}

export function breakpointFor(
  settings: BreakSettings,
  phase: PhaseSpec,
  kind: BreakKind,
  hasScripts: boolean,
): BreakDecision | undefined {
  const point = kind === 'error' ? 'after-error' : `${kind}-${phase.name}`
  if (!settings.points.has(point)) return undefined
  if (phase.side === 'chroot' && !hasScripts) return undefined
  if (kind === 'error' && phase.side === 'host' && phase.name !== 'block-device') return undefined
  // break_cmd replaces the shell for before- and after-error breaks only, as in DIB.
  const command = kind === 'after' ? 'bash' : (settings.command ?? 'bash')
  const where =
    phase.side === 'host' || (kind === 'error' && settings.outsideTarget) ? 'host' : 'chroot'
  return { command, where }
}
