// What `imagewright block-device` keeps between its commands, in
// <build-dir>/states/block-device/ as DIB does: config.json (init) and state.json (create).
// Each command is a separate process, so everything a later one needs is written down here.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import * as v from 'valibot'
import { BlockDeviceError } from '../../errors.ts'
import { issuePath } from '../../util/positions.ts'
import type { BlockDevices, FilesystemInfo } from '../run/created-devices.ts'
import type { HeldSnapshot } from '../run/held-resources.ts'
import type { RootFsParams } from '../config/root-params.ts'
import type { MountRecord } from '../run/teardown-steps.ts'

const FORMAT = 1

export interface SavedConfig {
  readonly format: typeof FORMAT
  /** Where the config came from, for messages. */
  readonly file: string
  /** The config YAML itself, so later commands do not depend on the file staying put. */
  readonly text: string
  /** The root filesystem params merged into mkfs_root at init. */
  readonly root: RootFsParams
  /** Nodes in creation order, for people reading the file. */
  readonly nodes: readonly { readonly name: string; readonly kind: string }[]
}

export interface SavedState {
  readonly format: typeof FORMAT
  /** The resource journal that lets `imagewright cleanup` release `held`. */
  readonly journal: string
  readonly imagePath: string
  readonly imageBlockDevice: string
  readonly images: BlockDevices['images']
  /** Every device node by node name, in creation order. */
  readonly devices: BlockDevices['devices']
  readonly filesystems: BlockDevices['filesystems']
  /** Every mount create made, in mount order. */
  readonly mounts: readonly MountRecord[]
  readonly fstab: string
  readonly rootMountPath: string
  /** What is still attached or mounted; emptied by umount. */
  readonly held: HeldSnapshot
}

export function blockDeviceStateDir(buildDir: string): string {
  return join(buildDir, 'states', 'block-device')
}

export function describeSavedState(devices: BlockDevices, journal: string): SavedState {
  return {
    format: FORMAT,
    journal,
    imagePath: devices.imagePath,
    imageBlockDevice: devices.imageBlockDevice,
    images: devices.images,
    devices: devices.devices,
    filesystems: devices.filesystems,
    mounts: devices.mountPoints,
    fstab: devices.fstab,
    rootMountPath: devices.rootMountPath,
    held: devices.listHeld(),
  }
}

export function isHeldEmpty(held: HeldSnapshot): boolean {
  return (
    held.mounts.length + held.loops.length + held.volumeGroups.length + held.createdNodes.length ===
    0
  )
}

export function encodeState(value: SavedConfig | SavedState): string {
  return `${JSON.stringify(value, null, 2)}\n`
}

/** state.json text back to a SavedState; anything malformed is refused, naming the file. */
export function decodeSavedState(text: string, file: string): SavedState {
  const data = decode(STATE, text, file)
  return {
    format: FORMAT,
    journal: data.journal,
    imagePath: data.imagePath,
    imageBlockDevice: data.imageBlockDevice,
    images: data.images,
    devices: data.devices,
    filesystems: data.filesystems,
    mounts: data.mounts,
    fstab: data.fstab,
    rootMountPath: data.rootMountPath,
    held: data.held,
  }
}

export function decodeSavedConfig(text: string, file: string): SavedConfig {
  const data = decode(CONFIG, text, file)
  const { rootFsType, rootLabel, rootFsOpts } = data.root
  return {
    format: FORMAT,
    file: data.file,
    text: data.text,
    root: {
      rootFsType,
      ...(rootLabel === undefined ? {} : { rootLabel }),
      ...(rootFsOpts === undefined ? {} : { rootFsOpts }),
    },
    nodes: data.nodes.map(({ name, kind }) => ({ name, kind })),
  }
}

/** config.json of a build dir; refused with a hint when init has not run. */
export async function readSavedConfig(stateDir: string): Promise<SavedConfig> {
  const file = join(stateDir, 'config.json')
  const text = await readOptional(file)
  if (text === undefined) {
    throw new BlockDeviceError(
      `Cannot read "${file}": the block-device config was not initialised`,
      {
        hint: 'Run "imagewright block-device --params PARAMS.yaml init" first',
      },
    )
  }
  return decodeSavedConfig(text, file)
}

/** state.json of a build dir, or undefined before create (and after cleanup). */
export async function readSavedState(stateDir: string): Promise<SavedState | undefined> {
  const file = join(stateDir, 'state.json')
  const text = await readOptional(file)
  return text === undefined ? undefined : decodeSavedState(text, file)
}

/** Written to a temporary name and renamed, so a crash never leaves half a file. */
export async function writeStateFile(
  stateDir: string,
  name: 'config.json' | 'state.json' | 'fstab',
  text: string,
): Promise<string> {
  const file = join(stateDir, name)
  await mkdir(dirname(file), { recursive: true })
  await writeFile(`${file}.tmp`, text)
  await rename(`${file}.tmp`, file)
  return file
}

export async function removeStateDir(stateDir: string): Promise<void> {
  await rm(stateDir, { recursive: true, force: true })
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new BlockDeviceError(`Cannot read "${file}": ${(error as Error).message}`, {
      cause: error,
    })
  }
}

// The shapes of the two files. A message says what the value is not; decode() names its key.
const OBJECT = 'an object'
const LIST = 'a list'
const STRING = v.string('a string')
const object = <E extends v.ObjectEntries>(entries: E) => v.object(entries, OBJECT)
const list = <T extends v.GenericSchema>(item: T) => v.array(item, LIST)
const record = <T extends v.GenericSchema>(value: T) => v.record(v.string(), value, OBJECT)

const MOUNT = object({ mountPoint: STRING, path: STRING, device: STRING, fstype: STRING })

// Entries in the order the old reader checked them, so the same file gets the same complaint.
const STATE = object({
  images: record(object({ path: STRING, device: STRING })),
  filesystems: record(
    v.pipe(
      object({
        device: STRING,
        fstype: STRING,
        label: STRING,
        uuid: v.optional(STRING),
        mountPoint: v.optional(STRING),
      }),
      v.transform(({ device, fstype, label, uuid, mountPoint }): FilesystemInfo => ({
        device,
        fstype,
        label,
        uuid,
        mountPoint,
      })),
    ),
  ),
  devices: record(STRING),
  held: object({
    mounts: list(MOUNT),
    loops: list(object({ device: STRING, image: STRING })),
    volumeGroups: list(STRING),
    createdNodes: list(STRING),
  }),
  journal: STRING,
  imagePath: STRING,
  imageBlockDevice: STRING,
  mounts: list(MOUNT),
  fstab: STRING,
  rootMountPath: STRING,
})

const CONFIG = object({
  file: STRING,
  text: STRING,
  root: object({
    rootFsType: STRING,
    rootLabel: v.optional(STRING),
    rootFsOpts: v.optional(list(STRING)),
  }),
  nodes: list(object({ name: STRING, kind: STRING })),
})

/** The JSON `text` of `file` read by `schema`, or a refusal naming the file and the key. */
function decode<T>(schema: v.GenericSchema<unknown, T>, text: string, file: string): T {
  const refuse = (reason: string, cause?: unknown): BlockDeviceError =>
    new BlockDeviceError(`Cannot read "${file}": ${reason}`, {
      cause,
      hint: 'The state was written by another version or edited; release its devices with "imagewright cleanup"',
    })
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw refuse(`it is not JSON (${(error as Error).message})`, error)
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw refuse('expected a JSON object')
  const format = (data as Record<string, unknown>)['format']
  if (format !== FORMAT) throw refuse(`unknown format ${JSON.stringify(format)}`)
  const result = v.safeParse(schema, data)
  if (result.success) return result.output
  const [issue] = result.issues
  throw refuse(`${describeAt(issuePath(issue))} is not ${issue.message}`)
}

/** `"device"` of a key, `item 2 of "loops"` of a list item. */
function describeAt(path: readonly (string | number)[]): string {
  const last = path.at(-1)
  if (typeof last !== 'number') return `"${String(last)}"`
  const parent = path.at(-2)
  return `item ${last + 1} of "${String(parent)}"`
}
