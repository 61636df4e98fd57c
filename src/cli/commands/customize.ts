// `imagewright customize -a IMAGE [-o OUT | --in-place] OPERATION...`: edit an existing disk
// image with virt-customize's option names. Operations run in the order given on the command
// line, as virt-customize runs them.
import { resolve } from 'node:path'
import type { Command } from '@commander-js/extra-typings'
import { customizeImage } from '../../customize/customize-image.ts'
import {
  parseCopyIn,
  parseMkdir,
  parseRootPassword,
  parseSizeOption,
  parseWrite,
  splitPackages,
  type CustomizeRequest,
  type ElementRequest,
  type Step,
} from '../../customize/request.ts'
import { parseDibCommandLine } from '../dib-options.ts'
import { UsageError } from '../../errors.ts'
import { TextReporter } from '../../report/text-reporter.ts'
import { silentReporter } from '../../report/events.ts'
import { examplesHelp } from '../help-examples.ts'
import { trapSignals } from '../signals.ts'
import { inOwnMountNamespace } from '../own-namespace.ts'
import { readSetting } from '../../config/settings.ts'

export interface CustomizeCliOptions {
  readonly add: string
  readonly output?: string
  readonly inPlace?: boolean
  readonly dryRun?: boolean
  readonly selinuxRelabel?: boolean
  readonly quiet?: boolean
  readonly element?: readonly string[]
  readonly elementsPath?: string
  readonly size?: string
}

/** The request from the options; the operations were collected in command-line order. */
export function customizeRequest(
  cli: CustomizeCliOptions,
  operations: readonly Step[],
  env: Readonly<Record<string, string | undefined>>,
): CustomizeRequest {
  const image = resolve(cli.add)
  if (cli.inPlace && cli.output !== undefined)
    throw new UsageError('Options "--in-place" and "-o" exclude each other')
  if (!cli.inPlace && cli.output === undefined) {
    throw new UsageError(
      `Cannot customize "${cli.add}": say where the result goes with "-o FILE", or give "--in-place" to replace it`,
    )
  }
  const output = cli.output === undefined ? image : resolve(cli.output)
  if (!cli.inPlace && output === image)
    throw new UsageError(
      `Option "-o" names the input "${cli.add}": give "--in-place" to replace it`,
    )
  const all = cli.selinuxRelabel
    ? [...operations, { kind: 'selinux-relabel' } as const]
    : [...operations]
  const size = cli.size === undefined ? undefined : parseSizeOption(cli.size)
  if (all.length === 0 && !cli.dryRun && size === undefined) {
    throw new UsageError(
      'Nothing to do: give at least one operation (--install, --run-command, --write, --element, --size, ...)',
      { hint: 'Run "imagewright customize --help" for the operations' },
    )
  }
  return {
    image,
    output,
    inPlace: cli.inPlace ?? false,
    dryRun: cli.dryRun ?? false,
    operations: all,
    elements: elementRequest(cli, output, env),
    size,
    tmpDir: readSetting(env, 'tmpDir'),
  }
}

/**
 * The build options a build of the --element names would have: read as disk-image-create reads
 * them (ELEMENTS_PATH, or --elements-path over it, and the DIB_* settings), without `base` (the
 * image has its own); IMAGE_NAME is the output without its extension (manifests go beside it).
 */
function elementRequest(
  cli: CustomizeCliOptions,
  output: string,
  env: Readonly<Record<string, string | undefined>>,
): ElementRequest | undefined {
  const names = cli.element ?? []
  if (names.length === 0) {
    if (cli.elementsPath !== undefined)
      throw new UsageError('Option "--elements-path" needs at least one "--element"')
    return undefined
  }
  const buildEnv =
    cli.elementsPath === undefined ? env : { ...env, ELEMENTS_PATH: cli.elementsPath }
  const parsed = parseDibCommandLine(
    ['-n', '-o', output.replace(/\.[^./]*$/, ''), ...names],
    buildEnv,
  )
  if (parsed.kind !== 'build') throw new UsageError(`Cannot read the elements "${names.join(' ')}"`)
  return { names, options: parsed.options }
}

export function addCustomizeCommand(root: Command, run: (work: Promise<number>) => void): void {
  const operations: Step[] = []
  const collect =
    (make: (value: string) => Step) =>
    (value: string): undefined => {
      operations.push(make(value))
      return undefined
    }
  // Every --element joins one set, resolved as a build's; it runs where the first one was given.
  const elements: string[] = []
  const collectElement = (value: string): string[] => {
    if (elements.length === 0) operations.push({ kind: 'elements' })
    elements.push(value)
    return elements
  }
  root
    .command('customize')
    .description(
      'Edit an existing disk image (qcow2, raw, vmdk, vhd, vhdx): install packages, run commands, copy and write files, with its own package manager, in a chroot',
    )
    .requiredOption('-a, --add <image>', 'the disk image to customize')
    .option(
      '-o, --output <file>',
      "write the result here (format from the extension: .qcow2, .raw, .vmdk, .vhd, .vhdx; else the input's); the input is not modified",
    )
    .option('--in-place', 'replace the input with the result (only once the result is complete)')
    .option('-n, --dry-run', 'do everything on a working copy, then discard it')
    .option(
      '--install <pkgs>',
      "install these packages (comma-separated) with the image's apt-get, dnf/yum or zypper",
      collect((v) => ({ kind: 'install', packages: splitPackages('--install', v) })),
    )
    .option(
      '--uninstall <pkgs>',
      'remove these packages (comma-separated)',
      collect((v) => ({ kind: 'uninstall', packages: splitPackages('--uninstall', v) })),
    )
    .option(
      '--run-command <cmd>',
      'run this shell command in the image',
      collect((v) => ({ kind: 'run-command', command: v })),
    )
    .option(
      '--run <script>',
      'copy this local script into the image and run it there',
      collect((v) => ({ kind: 'run', script: v })),
    )
    .option(
      '--copy-in <localpath:remotedir>',
      'copy a local file or directory (recursively) into a directory of the image',
      collect(parseCopyIn),
    )
    .option('--write <file:content>', 'write CONTENT to FILE in the image', collect(parseWrite))
    .option(
      '--mkdir <dir>',
      'create a directory (and its parents) in the image',
      collect(parseMkdir),
    )
    .option(
      '--root-password <selector>',
      "set root's password: password:PASSWORD, file:FILENAME (its first line) or disabled",
      collect(parseRootPassword),
    )
    .option(
      '--element <name>',
      'apply this DIB element (repeatable; with its element-deps): environment.d, extra-data.d to finalise.d, then cleanup.d',
      collectElement,
    )
    .option(
      '--elements-path <dirs>',
      'colon-separated directories searched for --element names (default: ELEMENTS_PATH)',
    )
    .option(
      '--size <size>',
      'grow the disk to SIZE (or by +SIZE), with its last partition and the root filesystem (DIB units: 8GiB, 8G, +2GiB)',
    )
    .option(
      '--selinux-relabel',
      'relabel SELinux at the next boot (/.autorelabel), if the image has SELinux',
    )
    .option('-q, --quiet', 'print only errors')
    .addHelpText(
      'after',
      examplesHelp([
        [
          'imagewright customize -a debian.qcow2 -o web.qcow2 --install nginx,curl',
          "install packages with the image's own package manager; debian.qcow2 is untouched",
        ],
        [
          "imagewright customize -a cloud.qcow2 --in-place --write /etc/motd:'hello' --run-command 'systemctl enable nginx'",
          'edit the image itself, once the result is complete',
        ],
        [
          'imagewright customize -a base.raw -o app.qcow2 --copy-in ./app:/opt --run ./setup.sh',
          'copy a directory in, run a local script inside, convert to qcow2',
        ],
        [
          'imagewright customize -a centos.qcow2 -o c.qcow2 --run-command "sed -i \'s/^SELINUX=.*/SELINUX=permissive/\' /etc/selinux/config" --selinux-relabel',
          'the seed\'s "selinux off", then a relabel at the next boot',
        ],
      ]),
    )
    .action((opts) => {
      run(runCustomize(opts, operations))
    })
}

async function runCustomize(
  cli: CustomizeCliOptions,
  operations: readonly Step[],
): Promise<number> {
  const request = customizeRequest(cli, operations, process.env)
  // Its mounts (the image's filesystems, the chroot's) stay in a namespace of its own.
  const status = await inOwnMountNamespace({
    containing: [request.image, request.output, request.tmpDir],
    scratch: [request.tmpDir],
  })
  if (status !== undefined) return status
  using signals = trapSignals((text) => process.stderr.write(text))
  const reporter = cli.quiet
    ? silentReporter
    : new TextReporter({
        write: (text) => process.stdout.write(text),
        timestamps: false,
        verbose: false,
      })
  await customizeImage(request, { reporter, signal: signals.signal })
  if (!request.dryRun) process.stdout.write(`${request.output}\n`)
  return 0
}
