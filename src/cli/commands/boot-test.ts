// `imagewright boot-test IMAGE`: boot it under QEMU and report what the console showed.
import { bootTest, type BootTestOptions, type BootTestResult } from '../../boot/boot-test.ts'
import { UsageError } from '../../errors.ts'
import { parseSectorSize } from '../../util/sector-size.ts'
import { looksLikeIso } from '../../boot/vm-setup.ts'
import { parseExtraDisk } from '../../boot/extra-disks.ts'
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
  readonly kernel?: string
  readonly initrd?: string
  readonly append?: string
  readonly cdrom?: string
  readonly attachDisk?: readonly string[]
}

function positive(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`Option "${option}" needs a positive number: got "${value}"`)
  return n
}

/**
 * `image` is the positional argument, if any; `imageIsIso` says it is an ISO 9660 image, which
 * is then booted from a CD-ROM drive (the caller looks at the file).
 */
export function bootTestOptions(
  image: string | undefined,
  cli: BootTestCliOptions,
  signal?: AbortSignal,
  imageIsIso = false,
): BootTestOptions {
  const sectors =
    cli.sectorSize === undefined
      ? undefined
      : parseSectorSize(cli.sectorSize, '--sector-size', UsageError)
  const timeout = positive('--timeout', cli.timeout)
  const memory = positive('--memory', cli.memory)
  let marker: RegExp | undefined
  if (cli.marker !== undefined) {
    try {
      marker = new RegExp(cli.marker, 'm')
    } catch (error) {
      throw new UsageError(`Option "--marker" is not a valid regular expression: "${cli.marker}"`, {
        cause: error,
      })
    }
  }
  if (cli.kernel === undefined) {
    for (const [option, value] of [
      ['--initrd', cli.initrd],
      ['--append', cli.append],
    ] as const) {
      if (value !== undefined) throw new UsageError(`Option "${option}" needs "--kernel"`)
    }
  }
  if (image === undefined && cli.kernel === undefined && cli.cdrom === undefined) {
    throw new UsageError('boot-test needs something to boot: an IMAGE, --kernel or --cdrom', {
      hint: 'For example: imagewright boot-test --kernel NAME.kernel --initrd NAME.initramfs --append console=ttyS0',
    })
  }
  if (imageIsIso && cli.cdrom !== undefined)
    throw new UsageError(`Give one ISO: "${image ?? ''}" is an ISO image, and so is --cdrom`)
  const cdrom = imageIsIso ? image : cli.cdrom
  const disk = imageIsIso ? undefined : image
  if (cli.uefi && cli.bios) throw new UsageError('Options "--uefi" and "--bios" exclude each other')
  if (cli.password !== undefined && cli.user === undefined)
    throw new UsageError('Option "--password" needs "--user"')
  // Without --user, a --marker names the prompt of a shell that is already open (an initramfs's).
  if ((cli.command?.length ?? 0) > 0 && cli.user === undefined && cli.marker === undefined)
    throw new UsageError(
      'Option "--command" needs "--user" to log in first, or "--marker" for a shell already open',
    )
  const extraDisks = (cli.attachDisk ?? []).map(parseExtraDisk)
  return {
    ...(disk === undefined ? {} : { image: disk }),
    ...(cdrom === undefined ? {} : { cdrom }),
    ...(extraDisks.length === 0 ? {} : { extraDisks }),
    ...(cli.kernel === undefined
      ? {}
      : {
          kernel: {
            kernel: cli.kernel,
            ...(cli.initrd === undefined ? {} : { initrd: cli.initrd }),
            ...(cli.append === undefined ? {} : { append: cli.append }),
          },
        }),
    firmware: cli.uefi ? 'uefi' : cli.bios ? 'bios' : 'auto',
    accel: cli.kvm ? 'kvm' : 'tcg',
    ...(timeout === undefined ? {} : { timeoutMs: timeout * 1000 }),
    ...(memory === undefined ? {} : { memoryMiB: memory }),
    ...(marker === undefined ? {} : { marker }),
    ...(cli.user === undefined
      ? {}
      : {
          login: {
            user: cli.user,
            ...(cli.password === undefined ? {} : { password: cli.password }),
          },
        }),
    ...(cli.command && cli.command.length > 0 ? { commands: cli.command } : {}),
    ...(cli.diskSize === undefined ? {} : { diskSize: parseSize(cli.diskSize) }),
    ...(sectors === undefined ? {} : { sectorSize: sectors }),
    ...(cli.consoleLog === undefined ? {} : { consoleLog: cli.consoleLog }),
    ...(signal === undefined ? {} : { signal }),
  }
}

export function renderBootResult(image: string, result: BootTestResult): string {
  const lines = [
    `Boot test of ${image}: reached the marker after ${(result.reachedMarkerAfterMs / 1000).toFixed(1)} s`,
  ]
  for (const command of result.commands) {
    lines.push(`$ ${command.command}  (exit ${command.exitStatus})`)
    if (command.output.length > 0)
      lines.push(
        ...command.output
          .replace(/\n$/, '')
          .split('\n')
          .map((l) => `  ${l}`),
      )
  }
  lines.push(result.ok ? 'PASS' : 'FAIL: a command exited with a non-zero status')
  return `${lines.join('\n')}\n`
}

/** Run a boot test with console output on stdout; returns the exit code. */
export async function runBootTest(
  image: string | undefined,
  cli: BootTestCliOptions,
): Promise<number> {
  const imageIsIso = image !== undefined && (await looksLikeIso(image))
  using signals = trapSignals((text) => process.stderr.write(text))
  const reporter = new CompositeReporter(
    cli.quiet
      ? []
      : [
          new TextReporter({
            write: (t) => process.stdout.write(t),
            timestamps: false,
            verbose: false,
          }),
        ],
  )
  const runner = new ProcessRunner({ reporter, signal: signals.signal })
  const result = await bootTest(bootTestOptions(image, cli, signals.signal, imageIsIso), {
    runner,
    reporter,
  })
  process.stdout.write(renderBootResult(cli.kernel ?? cli.cdrom ?? image ?? '', result))
  return result.ok ? 0 : 9
}
