// `imagewright boot-test IMAGE`: boot it under QEMU and report what the console showed.
import { bootTest, type BootTestOptions, type BootTestResult } from '../../boot/boot-test.ts'
import { UsageError } from '../../errors.ts'
import { parseSectorSize } from '../../util/sector-size.ts'
import { ProcessRunner } from '../../exec/run.ts'
import { CompositeReporter } from '../../report/events.ts'
import { TextReporter } from '../../report/text-reporter.ts'
import { parseSize } from '../../util/size.ts'
import { trapSignals } from '../signals.ts'

export interface BootTestCliOptions {
  readonly uefi?: boolean
  readonly bios?: boolean
  readonly kvm?: boolean
  readonly timeout?: string
  readonly marker?: string
  readonly user?: string
  readonly password?: string
  readonly command?: readonly string[]
  readonly diskSize?: string
  readonly sectorSize?: string
  readonly memory?: string
  readonly consoleLog?: string
  readonly quiet?: boolean
}

function positive(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`Option "${option}" needs a positive number: got "${value}"`)
  return n
}

export function bootTestOptions(image: string, cli: BootTestCliOptions, signal?: AbortSignal): BootTestOptions {
  const sectors = cli.sectorSize === undefined ? undefined : parseSectorSize(cli.sectorSize, '--sector-size', UsageError)
  const timeout = positive('--timeout', cli.timeout)
  const memory = positive('--memory', cli.memory)
  let marker: RegExp | undefined
  if (cli.marker !== undefined) {
    try {
      marker = new RegExp(cli.marker, 'm')
    } catch (error) {
      throw new UsageError(`Option "--marker" is not a valid regular expression: "${cli.marker}"`, { cause: error })
    }
  }
  if (cli.uefi && cli.bios) throw new UsageError('Options "--uefi" and "--bios" exclude each other')
  if (cli.password !== undefined && cli.user === undefined) throw new UsageError('Option "--password" needs "--user"')
  if ((cli.command?.length ?? 0) > 0 && cli.user === undefined) throw new UsageError('Option "--command" needs "--user" to log in first')
  return {
    image,
    firmware: cli.uefi ? 'uefi' : cli.bios ? 'bios' : 'auto',
    accel: cli.kvm ? 'kvm' : 'tcg',
    ...(timeout === undefined ? {} : { timeoutMs: timeout * 1000 }),
    ...(memory === undefined ? {} : { memoryMiB: memory }),
    ...(marker === undefined ? {} : { marker }),
    ...(cli.user === undefined ? {} : { login: { user: cli.user, ...(cli.password === undefined ? {} : { password: cli.password }) } }),
    ...(cli.command && cli.command.length > 0 ? { commands: cli.command } : {}),
    ...(cli.diskSize === undefined ? {} : { diskSize: parseSize(cli.diskSize) }),
    ...(sectors === undefined ? {} : { sectorSize: sectors }),
    ...(cli.consoleLog === undefined ? {} : { consoleLog: cli.consoleLog }),
    ...(signal === undefined ? {} : { signal }),
  }
}

export function renderBootResult(image: string, result: BootTestResult): string {
  const lines = [`Boot test of ${image}: reached the marker after ${(result.reachedMarkerAfterMs / 1000).toFixed(1)} s`]
  for (const command of result.commands) {
    lines.push(`$ ${command.command}  (exit ${command.exitStatus})`)
    if (command.output.length > 0) lines.push(...command.output.replace(/\n$/, '').split('\n').map((l) => `  ${l}`))
  }
  lines.push(result.ok ? 'PASS' : 'FAIL: a command exited with a non-zero status')
  return `${lines.join('\n')}\n`
}

/** Run a boot test with console output on stdout; returns the exit code. */
export async function runBootTest(image: string, cli: BootTestCliOptions): Promise<number> {
  using signals = trapSignals((text) => process.stderr.write(text))
  const reporter = new CompositeReporter(cli.quiet ? [] : [new TextReporter({ write: (t) => process.stdout.write(t), timestamps: false, verbose: false })])
  const runner = new ProcessRunner({ reporter, signal: signals.signal })
  const result = await bootTest(bootTestOptions(image, cli, signals.signal), { runner, reporter })
  process.stdout.write(renderBootResult(image, result))
  return result.ok ? 0 : 9
}
