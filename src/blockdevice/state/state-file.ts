// What `imagewright block-device` keeps between its commands, in
// <build-dir>/states/block-device/ as DIB does: config.json (init) and state.json (create).
// Each command is a separate process, so everything a later one needs is written down here.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { BlockDeviceError } from '../../errors.ts'
import type { BlockDevices, FilesystemInfo } from '../run/created-devices.ts'
import type { HeldLoop, HeldSnapshot } from '../run/held-resources.ts'
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
  const data = new JsonReader(text, file)
  const images: Record<string, { path: string; device: string }> = {}
  for (const [name, image] of data.entries('images')) {
    images[name] = { path: data.string(image, 'path'), device: data.string(image, 'device') }
  }
  const filesystems: Record<string, FilesystemInfo> = {}
  for (const [name, fs] of data.entries('filesystems')) {
    filesystems[name] = {
      device: data.string(fs, 'device'),
      fstype: data.string(fs, 'fstype'),
      label: data.string(fs, 'label'),
      uuid: data.optionalString(fs, 'uuid'),
      mountPoint: data.optionalString(fs, 'mountPoint'),
    }
  }
  const devices: Record<string, string> = {}
  for (const [name, device] of data.entries('devices')) devices[name] = data.string(device)
  const held = data.object(data.root, 'held')
  return {
    format: FORMAT,
    journal: data.string(data.root, 'journal'),
    imagePath: data.string(data.root, 'imagePath'),
    imageBlockDevice: data.string(data.root, 'imageBlockDevice'),
    images,
    devices,
    filesystems,
    mounts: data.list(data.root, 'mounts').map((mount) => readMount(data, mount)),
    fstab: data.string(data.root, 'fstab'),
    rootMountPath: data.string(data.root, 'rootMountPath'),
    held: {
      mounts: data.list(held, 'mounts').map((mount) => readMount(data, mount)),
      loops: data.list(held, 'loops').map((loop): HeldLoop => ({
        device: data.string(loop, 'device'),
        image: data.string(loop, 'image'),
      })),
      volumeGroups: data.list(held, 'volumeGroups').map((vg) => data.string(vg)),
      createdNodes: data.list(held, 'createdNodes').map((node) => data.string(node)),
    },
  }
}

export function decodeSavedConfig(text: string, file: string): SavedConfig {
  const data = new JsonReader(text, file)
  const root = data.object(data.root, 'root')
  const rootLabel = data.optionalString(root, 'rootLabel')
  const opts = root['rootFsOpts']
  return {
    format: FORMAT,
    file: data.string(data.root, 'file'),
    text: data.string(data.root, 'text'),
    root: {
      rootFsType: data.string(root, 'rootFsType'),
      ...(rootLabel === undefined ? {} : { rootLabel }),
      ...(opts === undefined
        ? {}
        : { rootFsOpts: data.list(root, 'rootFsOpts').map((o) => data.string(o)) }),
    },
    nodes: data.list(data.root, 'nodes').map((node) => ({
      name: data.string(node, 'name'),
      kind: data.string(node, 'kind'),
    })),
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

function readMount(data: JsonReader, value: unknown): MountRecord {
  return {
    mountPoint: data.string(value, 'mountPoint'),
    path: data.string(value, 'path'),
    device: data.string(value, 'device'),
    fstype: data.string(value, 'fstype'),
  }
}

type JsonObject = Readonly<Record<string, unknown>>

// Typed access to parsed JSON that refuses, naming the file and key, what a state file never holds.
class JsonReader {
  readonly root: JsonObject
  readonly #file: string

  constructor(text: string, file: string) {
    this.#file = file
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch (error) {
      throw this.#refuse(`it is not JSON (${(error as Error).message})`, error)
    }
    if (!isObject(data)) throw this.#refuse('expected a JSON object')
    if (data['format'] !== FORMAT)
      throw this.#refuse(`unknown format ${JSON.stringify(data['format'])}`)
    this.root = data
  }

  object(value: unknown, key: string): JsonObject {
    const found = isObject(value) ? value[key] : undefined
    if (!isObject(found)) throw this.#refuse(`"${key}" is not an object`)
    return found
  }

  entries(key: string): [string, unknown][] {
    return Object.entries(this.object(this.root, key))
  }

  list(value: unknown, key: string): unknown[] {
    const found = isObject(value) ? value[key] : undefined
    if (!Array.isArray(found)) throw this.#refuse(`"${key}" is not a list`)
    return found as unknown[]
  }

  /** `value[key]`, or `value` itself without a key. */
  string(value: unknown, key?: string): string {
    const found = key === undefined ? value : isObject(value) ? value[key] : undefined
    if (typeof found !== 'string') throw this.#refuse(`"${key ?? String(value)}" is not a string`)
    return found
  }

  optionalString(value: unknown, key: string): string | undefined {
    return isObject(value) && value[key] === undefined ? undefined : this.string(value, key)
  }

  #refuse(reason: string, cause?: unknown): BlockDeviceError {
    return new BlockDeviceError(`Cannot read "${this.#file}": ${reason}`, {
      cause,
      hint: 'The state was written by another version or edited; release its devices with "imagewright cleanup"',
    })
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
