// DIB's dib-block-device commands over a build dir's saved state, each meant to run in its own
// process: init → getval → create → writefstab → umount → cleanup (or delete). create leaves
// everything attached and mounted for the caller, journaled so `imagewright cleanup` can still
// release it if umount never comes.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { safeTargetPath } from '../../chroot/safe-path.ts'
import { BlockDeviceError, ConfigError } from '../../errors.ts'
import { FileJournal } from '../../host/journal.ts'
import { createBlockDevices } from '../run/create.ts'
import { nodeDeviceHost } from '../run/device-host.ts'
import type { HeldSnapshot } from '../run/held-resources.ts'
import type { BlockDeviceDeps } from '../run/deps.ts'
import type { BlockDeviceParams } from '../layout/params.ts'
import { requireParamPath, type BlockDeviceParamsFile } from './params-file.ts'
import { planBlockDeviceFromText, type BlockDevicePlan } from '../config/plan.ts'
import { findStillHeld, listJournalEntries, releaseHeld } from './release-from-state.ts'
import type { RootFsParams } from '../config/root-params.ts'
import {
  blockDeviceStateDir,
  describeSavedState,
  encodeState,
  isHeldEmpty,
  readSavedConfig,
  readSavedState,
  removeStateDir,
  writeStateFile,
  type SavedConfig,
  type SavedState,
} from './state-file.ts'
import {
  describeConfigValue,
  describeStateValue,
  isStateSymbol,
  type GetvalSymbol,
} from './state-getval.ts'
import type { SectorSize } from '../../util/sector-size.ts'

export type StateDeps = Omit<BlockDeviceDeps, 'journal'>

export interface JournalSettings {
  /** Where journals live (the directory `imagewright cleanup` reads). */
  readonly journalDir: string
  /** The process whose exit makes the journal abandoned (the caller of create). */
  readonly ownerPid: number
}

export interface CreateSettings extends JournalSettings {
  /** DIB_BLOCK_SIZE: overrides every local_loop's block_size. */
  readonly blockSize?: SectorSize | undefined
  /**
   * Devices are created without interruption (a half-made device is worse); when this is aborted
   * meanwhile, they are released at the end instead of handed over, and the reason is thrown.
   */
  readonly signal?: AbortSignal | undefined
}

/** init: read and check the config, merge the root params, write config.json. */
export async function initBlockDeviceState(
  params: BlockDeviceParamsFile,
): Promise<{ readonly file: string; readonly warnings: readonly string[] }> {
  const purpose = 'initialise the block-device config'
  const stateDir = blockDeviceStateDir(requireParamPath(params, 'build-dir', purpose))
  const configPath = requireParamPath(params, 'config', purpose)
  let text: string
  try {
    text = await readFile(configPath, 'utf8')
  } catch (error) {
    throw new ConfigError(
      `Cannot read block-device config "${configPath}": ${(error as Error).message}`,
      {
        cause: error,
        hint: `Fix "config" in ${params.file}`,
      },
    )
  }
  const root = rootFromParams(params)
  const plan = planBlockDeviceFromText(text, configPath, root)
  const saved: SavedConfig = {
    format: 1,
    file: configPath,
    text,
    root,
    nodes: plan.order.map((node) => ({ name: node.name, kind: node.kind })),
  }
  return {
    file: await writeStateFile(stateDir, 'config.json', encodeState(saved)),
    warnings: plan.warnings,
  }
}

/** getval: config symbols after init, device symbols after create. */
export async function getBlockDeviceValue(
  params: BlockDeviceParamsFile,
  symbol: GetvalSymbol,
): Promise<string> {
  const buildDir = requireParamPath(params, 'build-dir', `get "${symbol}"`)
  const stateDir = blockDeviceStateDir(buildDir)
  if (!isStateSymbol(symbol))
    return describeConfigValue(symbol, planSaved(await readSavedConfig(stateDir)))
  return describeStateValue(symbol, await requireState(stateDir, buildDir, `get "${symbol}"`))
}

/** create: build every device, record it, and leave it all held for the caller. */
export async function createFromState(
  params: BlockDeviceParamsFile,
  deps: StateDeps,
  settings: CreateSettings,
): Promise<SavedState> {
  const purpose = 'create block devices'
  const buildDir = requireParamPath(params, 'build-dir', purpose)
  const stateDir = blockDeviceStateDir(buildDir)
  const saved = await readSavedConfig(stateDir)
  const earlier = await readSavedState(stateDir)
  if (earlier) await refuseWhileHeld(earlier, buildDir, deps)
  // DIB appends the computed root-fs-opts to the params only before create.
  const root =
    params.rootFsOpts === undefined ? saved.root : { ...saved.root, rootFsOpts: params.rootFsOpts }
  const plan = planBlockDeviceFromText(saved.text, saved.file, root)
  const deviceParams = describeDeviceParams(plan, root, params, settings.blockSize)
  const buildId = `block-device-${stamp(new Date())}-${randomBytes(4).toString('hex')}`
  const journal = new FileJournal(
    join(settings.journalDir, `${buildId}.json`),
    buildId,
    settings.ownerPid,
  )
  let devices
  try {
    devices = await createBlockDevices(plan, deviceParams, { ...deps, journal })
  } catch (error) {
    // Rolled back already; a journal that still lists something is kept for `imagewright cleanup`.
    if (journal.entries.length === 0) await rm(journal.path, { force: true })
    throw error
  }
  const state = describeSavedState(devices, journal.path)
  try {
    settings.signal?.throwIfAborted()
    await writeStateFile(stateDir, 'state.json', encodeState(state))
  } catch (error) {
    // Unrecorded devices could only be found through the journal: release them now instead.
    await devices[Symbol.asyncDispose]()
    await rm(journal.path, { force: true })
    if (settings.signal?.aborted) throw error
    throw new BlockDeviceError(
      `Cannot record the block devices in "${stateDir}": ${(error as Error).message}`,
      { cause: error },
    )
  }
  return state
}

/** writefstab: fstab into the state dir and <build-dir>/built/etc/fstab; returns the latter. */
export async function writeFstabFromState(params: BlockDeviceParamsFile): Promise<string> {
  const buildDir = requireParamPath(params, 'build-dir', 'write fstab')
  const stateDir = blockDeviceStateDir(buildDir)
  const state = await requireState(stateDir, buildDir, 'write fstab')
  await writeStateFile(stateDir, 'fstab', state.fstab)
  const built = join(buildDir, 'built')
  await mkdir(built, { recursive: true })
  // The tree is the image's: an etc/fstab symlink must not make us write on the host.
  const target = await safeTargetPath(built, 'etc/fstab', { createDirs: true })
  if (target.lastIsSymlink) await rm(target.path)
  await writeFile(target.path, state.fstab)
  return target.path
}

/** umount: release what create left held; returns what was released (nothing without state). */
export async function umountFromState(
  params: BlockDeviceParamsFile,
  deps: StateDeps,
  settings: JournalSettings,
): Promise<HeldSnapshot | undefined> {
  const stateDir = blockDeviceStateDir(
    requireParamPath(params, 'build-dir', 'unmount block devices'),
  )
  const state = await readSavedState(stateDir)
  if (!state) return undefined
  const held = await findStillHeld(state.held, deps.runner)
  // Carry on create's journal, so a crash part-way still leaves `imagewright cleanup` a record.
  const journal = new FileJournal(
    state.journal,
    basename(state.journal, '.json'),
    settings.ownerPid,
  )
  for (const entry of listJournalEntries(held)) await journal.record(entry)
  const outcome = await releaseHeld(held, { ...deps, journal })
  await writeStateFile(stateDir, 'state.json', encodeState({ ...state, held: outcome.left }))
  if (isHeldEmpty(outcome.left)) await rm(state.journal, { force: true })
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- the first failure, as caught
  if (outcome.failure !== undefined) throw outcome.failure
  return held
}

/** cleanup (success path) and delete (error path, also removes the image files). */
export async function removeFromState(
  params: BlockDeviceParamsFile,
  deps: StateDeps,
  settings: JournalSettings & { readonly deleteImages: boolean },
): Promise<void> {
  const stateDir = blockDeviceStateDir(
    requireParamPath(params, 'build-dir', 'clean up block devices'),
  )
  await umountFromState(params, deps, settings)
  const state = await readSavedState(stateDir)
  if (settings.deleteImages && state) {
    const host = deps.host ?? nodeDeviceHost
    for (const image of Object.values(state.images)) await host.removeFile(image.path)
  }
  await removeStateDir(stateDir)
}

function rootFromParams(params: BlockDeviceParamsFile): RootFsParams {
  return {
    rootFsType: params.rootFsType,
    ...(params.rootLabel === undefined ? {} : { rootLabel: params.rootLabel }),
    ...(params.rootFsOpts === undefined ? {} : { rootFsOpts: params.rootFsOpts }),
  }
}

function planSaved(saved: SavedConfig): BlockDevicePlan {
  return planBlockDeviceFromText(saved.text, saved.file, saved.root)
}

function describeDeviceParams(
  plan: BlockDevicePlan,
  root: RootFsParams,
  params: BlockDeviceParamsFile,
  blockSize: SectorSize | undefined,
): BlockDeviceParams {
  const purpose = 'create block devices'
  const loops = plan.nodes.filter((node) => node.kind === 'local_loop')
  const unsized = loops.find((loop) => loop.size === undefined)
  if (unsized && params.imageSizeBytes === undefined) {
    throw new ConfigError(
      `Cannot ${purpose}: local_loop "${unsized.name}" has no size and "${params.file}" has no "image-size"`,
      { hint: `Add "image-size: 2GiB" (any size) to ${params.file}, or a size to the local_loop` },
    )
  }
  const needsImageDir = loops.some((loop) => loop.directory === undefined)
  return {
    ...root,
    imageDir: needsImageDir ? requireParamPath(params, 'image-dir', purpose) : '',
    imageSizeBytes: params.imageSizeBytes ?? 0,
    mountBase: requireParamPath(params, 'mount-base', purpose),
    ...(blockSize === undefined ? {} : { blockSize }),
  }
}

async function requireState(
  stateDir: string,
  buildDir: string,
  purpose: string,
): Promise<SavedState> {
  const state = await readSavedState(stateDir)
  if (state) return state
  throw new BlockDeviceError(`Cannot ${purpose}: no block devices were created for "${buildDir}"`, {
    hint: 'Run "imagewright block-device --params PARAMS.yaml create" first',
  })
}

async function refuseWhileHeld(
  state: SavedState,
  buildDir: string,
  deps: StateDeps,
): Promise<void> {
  const held = await findStillHeld(state.held, deps.runner)
  if (held.mounts.length + held.loops.length === 0) return
  const what = [
    ...held.mounts.map((m) => `mount ${m.path}`),
    ...held.loops.map((l) => `loop device ${l.device}`),
  ]
  throw new BlockDeviceError(
    `Cannot create block devices for "${buildDir}": those created before are still held (${what.join(', ')})`,
    { hint: 'Run "imagewright block-device --params PARAMS.yaml umount" (or cleanup) first' },
  )
}

function stamp(date: Date): string {
  return date.toISOString().replace(/\D/g, '').slice(0, 14)
}
