// The `-t` types imagewright can write, and what each one needs. Disk types are converted from
// the finished raw image; tree types are packed from the mounted root tree before unmount.
import { suggestNames } from '../util/suggest.ts'
import { ConfigError } from '../errors.ts'

export interface HostTool {
  readonly command: string
  readonly debianPackage: string
}

export type OutputSource = 'disk' | 'tree'

/**
 * How an output file is made, and from which source: the one list of producers. The dispatches
 * (tree-jobs.ts, write-outputs.ts) are records over it, so a new producer does not compile until
 * it is dispatched, and a format whose source does not match its producer does not either.
 */
export const PRODUCER_SOURCES = {
  'qemu-img': 'disk',
  copy: 'disk',
  tar: 'tree',
  tgz: 'tree',
  squashfs: 'tree',
  oci: 'tree',
} as const satisfies Record<string, OutputSource>

export type OutputProducer = keyof typeof PRODUCER_SOURCES

/** The producers that make their files from `S`. */
export type ProducerOf<S extends OutputSource> = {
  [P in OutputProducer]: (typeof PRODUCER_SOURCES)[P] extends S ? P : never
}[OutputProducer]

export interface QemuTarget {
  /** The `-O` format name qemu-img knows it by. */
  readonly format: string
  /** Options always passed with `-o`; user options come after them, so they win. */
  readonly options: readonly string[]
  /** Gets `-c` unless the build asked for uncompressed images. */
  readonly compressible: boolean
  /** Virtual size rounded up to a whole MiB (clouds such as Azure reject anything else). */
  readonly alignToMiB: boolean
}

/** A `-t` type made from `S`. */
export interface FormatOf<S extends OutputSource> {
  /** The name given with `-t`. */
  readonly type: string
  /** File name suffix after the image name, without the leading dot. */
  readonly extension: string
  readonly source: S
  readonly producer: ProducerOf<S>
  readonly qemu?: QemuTarget
  readonly tools: readonly HostTool[]
  /** Said to the user when this type behaves differently from diskimage-builder. */
  readonly note?: string
}

export type OutputFormat = FormatOf<'disk'> | FormatOf<'tree'>

export const QEMU_IMG: HostTool = { command: 'qemu-img', debianPackage: 'qemu-utils' }
export const MKSQUASHFS: HostTool = { command: 'mksquashfs', debianPackage: 'squashfs-tools' }
export const TAR: HostTool = { command: 'tar', debianPackage: 'tar' }
export const CP: HostTool = { command: 'cp', debianPackage: 'coreutils' }

function qemuFormat(type: string, qemu: Partial<QemuTarget> = {}): FormatOf<'disk'> {
  return {
    type,
    extension: type,
    source: 'disk',
    producer: 'qemu-img',
    qemu: { format: type, options: [], compressible: false, alignToMiB: false, ...qemu },
    tools: [QEMU_IMG],
  }
}

const OCI_NOTE =
  'writes an OCI image archive instead of importing into a Docker daemon: ' +
  'load it with "docker load -i" or "podman load -i"'

const FORMAT_LIST: readonly OutputFormat[] = [
  qemuFormat('qcow2', { compressible: true }),
  { type: 'raw', extension: 'raw', source: 'disk', producer: 'copy', tools: [CP] },
  qemuFormat('vhd', {
    format: 'vpc',
    options: ['subformat=fixed', 'force_size=on'],
    alignToMiB: true,
  }),
  qemuFormat('vhdx'),
  qemuFormat('vmdk'),
  qemuFormat('vdi'),
  qemuFormat('qed'),
  qemuFormat('qcow'),
  { type: 'tar', extension: 'tar', source: 'tree', producer: 'tar', tools: [TAR] },
  // gzip itself is checked separately: DIB_GZIP_BIN may name another compressor
  { type: 'tgz', extension: 'tgz', source: 'tree', producer: 'tgz', tools: [TAR] },
  {
    type: 'squashfs',
    extension: 'squashfs',
    source: 'tree',
    producer: 'squashfs',
    tools: [MKSQUASHFS],
  },
  { type: 'oci', extension: 'oci.tar', source: 'tree', producer: 'oci', tools: [TAR] },
  {
    type: 'docker',
    extension: 'oci.tar',
    source: 'tree',
    producer: 'oci',
    tools: [TAR],
    note: OCI_NOTE,
  },
]

export const OUTPUT_FORMATS: ReadonlyMap<string, OutputFormat> = new Map(
  FORMAT_LIST.map((format) => [format.type, format]),
)

export const DEFAULT_IMAGE_TYPES: readonly string[] = ['qcow2']

// Types a user may know from diskimage-builder or qemu-img that we deliberately do not write.
const REFUSED_TYPES: Readonly<Record<string, string>> = {
  aci: 'the App Container (appc) format is obsolete and no runtime loads it any more; use "oci"',
  vpc: 'use "vhd" (a fixed-size VHD); add --qemu-img-options subformat=dynamic for a dynamic one',
  squash: 'the type is called "squashfs"',
  iso: 'ISO images are made by the "iso" element, not by -t',
}

/** Split a `-t` value (`qcow2,tar`) into type names; empty parts are ignored. */
export function splitImageTypes(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
}

/**
 * Look up every requested type, failing on the first unknown or refused one. Types that write
 * the same file (`oci` and `docker`) and repeated types are kept once, first one wins.
 */
export function resolveOutputFormats(types: readonly string[]): OutputFormat[] {
  if (types.length === 0) throw new ConfigError('Cannot write the image: no output type given')
  const formats: OutputFormat[] = []
  for (const type of types) {
    const format = lookUpFormat(type)
    if (!formats.some((known) => known.extension === format.extension)) formats.push(format)
  }
  return formats
}

function lookUpFormat(type: string): OutputFormat {
  const format = OUTPUT_FORMATS.get(type)
  if (format) return format
  const valid = `valid types are ${[...OUTPUT_FORMATS.keys()].map((t) => `"${t}"`).join(', ')}`
  const refusal = REFUSED_TYPES[type]
  if (refusal !== undefined) {
    throw new ConfigError(`Cannot write image type "${type}": ${refusal}`, { hint: valid })
  }
  const lower = type.toLowerCase()
  const close = OUTPUT_FORMATS.has(lower) ? [lower] : suggestNames(lower, OUTPUT_FORMATS.keys())
  const hint =
    close.length === 0 ? undefined : `did you mean ${close.map((t) => `"${t}"`).join(' or ')}?`
  throw new ConfigError(`Cannot write image type "${type}": unknown type; ${valid}`, { hint })
}

/** Everything `-t` may name, for help texts and shell completion. */
export function listImageTypes(): string[] {
  return [...OUTPUT_FORMATS.keys()]
}

const MIB = 1024 * 1024

export function roundUpToMiB(bytes: number): number {
  return Math.ceil(bytes / MIB) * MIB
}
