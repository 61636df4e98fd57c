// DIB's phases in the order they run, and on which side of the chroot.

export type PhaseSide = 'host' | 'chroot'

export interface PhaseSpec {
  readonly name: PhaseName
  readonly dir: `${PhaseName}.d`
  readonly side: PhaseSide
  /** DIB sets TARGET_ROOT only for these phases. */
  readonly setsTargetRoot: boolean
}

export const PHASE_NAMES = [
  'root',
  'extra-data',
  'pre-install',
  'install',
  'post-install',
  'post-root',
  'block-device',
  'pre-finalise',
  'finalise',
  'cleanup',
] as const
export type PhaseName = (typeof PHASE_NAMES)[number]

const CHROOT_PHASES: ReadonlySet<PhaseName> = new Set([
  'pre-install',
  'install',
  'post-install',
  'finalise',
])
const TARGET_ROOT_PHASES: ReadonlySet<PhaseName> = new Set(['root', 'cleanup'])

export const PHASE_TABLE: readonly PhaseSpec[] = PHASE_NAMES.map((name) => ({
  name,
  dir: `${name}.d` as const,
  side: CHROOT_PHASES.has(name) ? 'chroot' : 'host',
  setsTargetRoot: TARGET_ROOT_PHASES.has(name),
}))

export function phaseSpec(name: PhaseName): PhaseSpec {
  const spec = PHASE_TABLE.find((p) => p.name === name)
  if (!spec) throw new Error(`Unknown phase "${name}"`)
  return spec
}
