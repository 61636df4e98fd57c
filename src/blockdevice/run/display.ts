// The commands createBlockDevices() would run, recorded instead of run, for `imagewright plan`
// and fixture files. Loop devices are not known before losetup picks one, so each local_loop
// gets a placeholder ("/dev/loop-image0" unless the caller names one).
import { layoutDisks } from '../layout/disk-layout.ts'
import type { BlockDeviceParams } from '../layout/params.ts'
import type { BlockDevicePlan } from '../config/plan.ts'
import { planNodeSteps, type Argv, type BlockDeviceStep } from './steps.ts'
import { listDetachCommands, listUnmountCommands, type MountRecord } from './teardown-steps.ts'

export interface DisplayStep {
  /** The node the step belongs to; "" for teardown. */
  readonly node: string
  readonly phase: 'create' | 'teardown'
  /** A command the runner would run. */
  readonly argv?: Argv
  /** Variables set for that one command. */
  readonly env?: Readonly<Record<string, string>>
  /** Work done in-process (files, sectors, waiting), described. */
  readonly note?: string
}

export interface DisplayOptions {
  /** Device to show for each local_loop, by node name. */
  readonly loopDevices?: Readonly<Record<string, string>>
  /** Also list the unmount/detach commands. */
  readonly teardown?: boolean
  /** mkfs types mounted through FUSE on this host (see fuse-mount.ts). */
  readonly fuseTypes?: ReadonlySet<string>
}

export function planCommandsForDisplay(
  plan: BlockDevicePlan,
  params: BlockDeviceParams,
  options: DisplayOptions = {},
): DisplayStep[] {
  const layout = layoutDisks(plan, params)
  const devices = new Map<string, string>()
  const mounts: MountRecord[] = []
  const loops: string[] = []
  const volumeGroups: string[] = []
  const shown: DisplayStep[] = []
  for (const node of plan.order) {
    const { steps, devices: made } = planNodeSteps(node, {
      plan,
      layout,
      mountBase: params.mountBase,
      devices,
      fuseTypes: options.fuseTypes,
    })
    for (const step of steps) {
      shown.push(...describeStep(node.name, step))
      if (step.kind === 'attach-loop') {
        const device = options.loopDevices?.[node.name] ?? `/dev/loop-${node.name}`
        devices.set(node.name, device)
        loops.push(device)
      }
      if (step.kind === 'mount') mounts.push(step)
      if (step.kind === 'run' && step.volumeGroup !== undefined) volumeGroups.push(step.volumeGroup)
    }
    for (const [name, device] of Object.entries(made)) devices.set(name, device)
  }
  if (options.teardown) {
    for (const argv of [
      ...listUnmountCommands(mounts),
      ...listDetachCommands(volumeGroups, loops),
    ]) {
      shown.push({ node: '', phase: 'teardown', argv })
    }
  }
  return shown
}

function describeStep(node: string, step: BlockDeviceStep): DisplayStep[] {
  const at = { node, phase: 'create' as const }
  switch (step.kind) {
    case 'create-image':
      return [{ ...at, note: `create sparse file ${step.path} (${step.bytes} bytes)` }]
    case 'write-mbr':
      return [{ ...at, note: `write ${step.summary} to ${step.device}` }]
    case 'mkdir':
      return [{ ...at, note: `create directory ${step.path}` }]
    case 'settle-partitions':
      return [
        {
          ...at,
          argv: step.argv,
          note: `wait for partitions ${step.numbers.join(', ')} of ${step.device}`,
        },
      ]
    case 'mount':
      return step.verify === undefined
        ? [{ ...at, argv: step.argv }]
        : [
            { ...at, argv: step.argv },
            { ...at, argv: step.verify, note: `check that ${step.path} is mounted` },
          ]
    case 'attach-loop':
      return [{ ...at, argv: step.argv }]
    case 'run':
      return [{ ...at, argv: step.argv, ...(step.env === undefined ? {} : { env: step.env }) }]
  }
}

/** Shell-like text: commands quoted for copy and paste, in-process work as comments. */
export function formatDisplaySteps(steps: readonly DisplayStep[]): string {
  return steps
    .map((step) => {
      const lines: string[] = []
      if (step.note !== undefined) lines.push(`# ${step.note}`)
      if (step.argv !== undefined) {
        const assignments = Object.entries(step.env ?? {}).map(
          ([key, value]) => `${key}=${quoteShellWord(value)}`,
        )
        lines.push([...assignments, ...step.argv.map(quoteShellWord)].join(' '))
      }
      return lines.join('\n')
    })
    .join('\n')
    .concat('\n')
}

export function quoteShellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word
  return `'${word.replaceAll("'", `'\\''`)}'`
}
