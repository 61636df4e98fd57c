// `imagewright block-device [--params PARAMS.yaml] COMMAND [SYMBOL]`: DIB's dib-block-device,
// one step per process, with its state in <build-dir>/states/block-device/. Only getval and
// writefstab print on stdout (scripts read them); everything else reports on stderr.
import { stateDir } from '../../pipeline/workspace.ts'
import type { HeldSnapshot } from '../../blockdevice/run/held-resources.ts'
import { readParamsFile } from '../../blockdevice/state/params-file.ts'
import {
  createFromState,
  getBlockDeviceValue,
  initBlockDeviceState,
  removeFromState,
  umountFromState,
  writeFstabFromState,
} from '../../blockdevice/state/state-commands.ts'
import type { SavedState } from '../../blockdevice/state/state-file.ts'
import { parseGetvalSymbol, type GetvalSymbol } from '../../blockdevice/state/state-getval.ts'
import { UsageError } from '../../errors.ts'
import { ProcessRunner } from '../../exec/run.ts'
import { requireRoot } from '../../host/host-tools.ts'
import type { Reporter } from '../../report/events.ts'
import { TextReporter } from '../../report/text-reporter.ts'
import { type SectorSize } from '../../util/sector-size.ts'
import { trapSignals } from '../signals.ts'
import { readSetting } from '../../config/settings.ts'

export const BLOCK_DEVICE_COMMANDS = [
  'init',
  'getval',
  'create',
  'writefstab',
  'umount',
  'cleanup',
  'delete',
] as const
export type BlockDeviceCommandName = (typeof BLOCK_DEVICE_COMMANDS)[number]

export type BlockDeviceRequest =
  | { readonly command: 'getval'; readonly symbol: GetvalSymbol; readonly paramsPath: string }
  | { readonly command: Exclude<BlockDeviceCommandName, 'getval'>; readonly paramsPath: string }

export interface BlockDeviceCliOptions {
  readonly params?: string
  readonly verbose?: boolean
}

/** What to run, from the command line and DIB_BLOCK_DEVICE_PARAMS_YAML; UsageError otherwise. */
export function parseBlockDeviceRequest(
  command: string,
  args: readonly string[],
  params: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): BlockDeviceRequest {
  const name = BLOCK_DEVICE_COMMANDS.find((known) => known === command)
  if (name === undefined) {
    throw new UsageError(`Cannot run block-device command "${command}": unknown command`, {
      hint: `Use one of ${BLOCK_DEVICE_COMMANDS.join(', ')}`,
    })
  }
  const paramsPath = params ?? readSetting(env, 'blockDeviceParams')
  if (paramsPath === undefined || paramsPath === '') {
    throw new UsageError(`Cannot run block-device ${name}: no params file`, {
      hint: 'Pass --params PARAMS.yaml or set DIB_BLOCK_DEVICE_PARAMS_YAML',
    })
  }
  const wanted = name === 'getval' ? 1 : 0
  if (args.length !== wanted) {
    throw new UsageError(
      name === 'getval'
        ? `Cannot run block-device getval: expected one symbol, got ${args.length}`
        : `Cannot run block-device ${name}: unexpected argument "${args[0] ?? ''}"`,
      { hint: 'Run "imagewright block-device --help" for the commands and symbols' },
    )
  }
  const [symbol = ''] = args
  if (name === 'getval') return { command: name, symbol: parseGetvalSymbol(symbol), paramsPath }
  return { command: name, paramsPath }
}

/** DIB_BLOCK_SIZE, when set: the loop devices' sector size. */
export function readBlockSize(
  env: Readonly<Record<string, string | undefined>>,
): SectorSize | undefined {
  return readSetting(env, 'blockSize')
}

export function describeCreated(state: SavedState): string {
  const devices = Object.entries(state.devices).map(([name, device]) => `${name}=${device}`)
  const mounts = state.mounts.map((mount) => `${mount.mountPoint} on ${mount.path}`)
  return [
    `Created ${state.imagePath}: ${devices.join(' ')}`,
    ...(mounts.length > 0 ? [`Mounted ${mounts.join(', ')}`] : []),
  ].join('\n')
}

export function describeReleased(held: HeldSnapshot | undefined): string {
  if (held === undefined) return 'Nothing to unmount: no block devices were created'
  const parts = [
    ...held.mounts.map((mount) => `unmounted ${mount.path}`),
    ...held.volumeGroups.map((vg) => `deactivated volume group ${vg}`),
    ...held.loops.map((loop) => `detached ${loop.device}`),
  ]
  return parts.length === 0
    ? 'Nothing to unmount: already released'
    : `Released: ${parts.join(', ')}`
}

export async function blockDeviceCommand(
  command: string,
  args: readonly string[],
  options: BlockDeviceCliOptions,
): Promise<number> {
  const request = parseBlockDeviceRequest(command, args, options.params, process.env)
  const { params, warnings } = await readParamsFile(request.paramsPath, process.cwd())
  const textReporter = new TextReporter({
    write: (chunk) => process.stderr.write(chunk),
    timestamps: false,
    verbose: options.verbose ?? false,
  })
  // Tool output (losetup's device, fstrim's byte count) is noise unless asked for.
  const reporter: Reporter = {
    emit: (event) => {
      if (options.verbose || event.kind === 'warning' || event.kind === 'info')
        textReporter.emit(event)
    },
  }
  for (const message of warnings) reporter.emit({ kind: 'warning', message })
  const say = (line: string): void => void process.stderr.write(`${line}\n`)
  switch (request.command) {
    case 'init': {
      const result = await initBlockDeviceState(params)
      for (const message of result.warnings) reporter.emit({ kind: 'warning', message })
      say(`Wrote ${result.file}`)
      return 0
    }
    case 'getval':
      process.stdout.write(`${await getBlockDeviceValue(params, request.symbol)}\n`)
      return 0
    case 'writefstab':
      process.stdout.write(`${await writeFstabFromState(params)}\n`)
      return 0
    case 'create':
    case 'umount':
    case 'cleanup':
    case 'delete':
      break
  }
  requireRoot(`run block-device ${request.command}`)
  // A release in progress must finish: signals are trapped, and the resource commands ignore them.
  using signals = trapSignals((text) => process.stderr.write(text))
  const deps = { runner: new ProcessRunner({ reporter }), reporter }
  // The caller (a script, usually) owns what create leaves: `imagewright cleanup` releases it
  // once that caller is gone, not while the script may still be using it.
  const journal = {
    journalDir: stateDir(),
    ownerPid: process.ppid > 1 ? process.ppid : process.pid,
  }
  switch (request.command) {
    case 'create': {
      const blockSize = readBlockSize(process.env)
      const state = await createFromState(params, deps, {
        ...journal,
        blockSize,
        signal: signals.signal,
      })
      say(describeCreated(state))
      return 0
    }
    case 'umount':
      say(describeReleased(await umountFromState(params, deps, journal)))
      return 0
    case 'cleanup':
    case 'delete':
      await removeFromState(params, deps, {
        ...journal,
        deleteImages: request.command === 'delete',
      })
      return 0
  }
}
