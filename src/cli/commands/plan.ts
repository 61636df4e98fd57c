// `imagewright plan [DIB options] ELEMENTS...`: show the build without building.
import { planBuild, type BuildPlan } from '../../pipeline/plan-build.ts'
import { renderPlannedCache } from '../../cache/plan-cache.ts'
import { describeBaseImage } from '../../element-tools/cloud-image/cache-state.ts'
import { givenSettings, type GivenSetting } from '../../config/settings.ts'
import { parseDibCommandLine, readDibFlags } from '../dib-options.ts'
import { examplesHelp } from '../help-examples.ts'

export function renderPlan(plan: BuildPlan, settings: readonly GivenSetting[] = []): string {
  const out: string[] = ['Elements (in resolved order):']
  const width = Math.max(...plan.elements.map((e) => e.name.length))
  for (const e of plan.elements) {
    const why = e.requested ? 'requested' : `pulled in by ${e.pulledBy.join(', ')}`
    const provides = e.provides.length > 0 ? `, provides ${e.provides.join(', ')}` : ''
    out.push(`  ${e.name.padEnd(width)}  ${why}${provides}`, `  ${''.padEnd(width)}  ${e.path}`)
  }
  if (plan.release !== undefined) out.push('', `Debian release: ${plan.release}`)
  if (plan.baseImage !== undefined)
    out.push(
      '',
      'Base image:',
      ...describeBaseImage(plan.baseImage, plan.environment['DIB_OFFLINE'] === '1'),
    )
  out.push(
    '',
    `Settings given (the rest are defaults; see docs/settings.md):${settings.length === 0 ? ' none' : ''}`,
  )
  for (const s of settings) out.push(`  ${s.shown}`)
  out.push(
    '',
    `environment.d (sourced before every script): ${plan.environmentFiles.join(' ') || '(none)'}`,
    '',
    'Steps:',
  )
  for (const step of plan.outline) {
    if ('core' in step) {
      out.push(`  * ${step.core}`)
      continue
    }
    const phase = plan.phases.find((p) => p.phase === `${step.phase}.d`)
    if (!phase) continue
    out.push(
      `  ${phase.phase} (${phase.side === 'chroot' ? 'in the chroot' : 'on the host'})${phase.scripts.length === 0 ? ': nothing to run' : ''}`,
    )
    for (const s of phase.scripts) out.push(`    ${s.script}  [${s.element}]`)
  }
  out.push('', 'Environment exported to scripts:')
  for (const [key, value] of Object.entries(plan.environment).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    out.push(`  ${key}=${value.includes('\n') ? JSON.stringify(value) : value}`)
  }
  out.push(
    '',
    `Block devices (from ${plan.blockDevice.config}):`,
    `  order: ${plan.blockDevice.nodes.map((n) => `${n.name} (${n.kind})`).join(' → ')}`,
    '  commands:',
  )
  out.push(...plan.blockDevice.commands.split('\n').map((line) => `    ${line}`))
  out.push('', ...renderPlannedCache(plan.cache))
  if (plan.warnings.length > 0) out.push('', 'Warnings:', ...plan.warnings.map((w) => `  ${w}`))
  return `${out.join('\n')}\n`
}

export async function planCommand(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json')
  const dibArgv = argv.filter((a) => a !== '--json')
  const command = parseDibCommandLine(dibArgv, process.env)
  if (command.kind !== 'build') {
    process.stdout.write(
      command.kind === 'help'
        ? `${PLAN_HELP}\n`
        : 'Usage: imagewright plan [--json] [disk-image-create options] ELEMENT...\n',
    )
    return command.kind === 'help' ? 0 : 2
  }
  const plan = await planBuild(command.options)
  const settings = givenSettings(readDibFlags(dibArgv).flags, process.env)
  process.stdout.write(
    json ? `${JSON.stringify({ ...plan, settings }, null, 2)}\n` : renderPlan(plan, settings),
  )
  return 0
}

const PLAN_HELP = `Usage: imagewright plan [--json] [disk-image-create options] ELEMENT...

Show what a build would do, without root and without building: the resolved elements and who
pulled each in, every phase's scripts in run order with their element, the environment the
scripts see, and the block-device commands. Takes the options and environment of
disk-image-create (see "disk-image-create --help"), so the plan is the build's.

Options:
  --json      print the plan as JSON
  -h, --help  show this help
${examplesHelp([
  ['imagewright plan debian-minimal vm', 'the plan of the default Debian image'],
  [
    'ELEMENTS_PATH=~/my-elements imagewright plan debian-minimal vm my-app',
    "where my-app's scripts run among the built-in ones",
  ],
  [
    'FS_TYPE=xfs imagewright plan debian-minimal vm block-device-efi',
    'the partitions and mkfs commands of an EFI layout',
  ],
  [
    'imagewright plan --json debian-minimal vm | jq .environment',
    'the environment hook scripts get, for a script to read',
  ],
])}`
