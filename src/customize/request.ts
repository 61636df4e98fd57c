// What `imagewright customize` is asked to do: the image, where the result goes, and the
// operations in the order they were given (as virt-customize applies them). Pure: parsing and
// checking the option values, nothing touches the disk.
import type { BuildOptions } from '../config/build-options.ts'
import { UsageError } from '../errors.ts'
import { parseSize } from '../util/size.ts'

export type RootPassword =
  | { readonly kind: 'password'; readonly password: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'disabled' }

export type Operation =
  | { readonly kind: 'install'; readonly packages: readonly string[] }
  | { readonly kind: 'uninstall'; readonly packages: readonly string[] }
  | { readonly kind: 'run-command'; readonly command: string }
  | { readonly kind: 'run'; readonly script: string }
  | { readonly kind: 'copy-in'; readonly local: string; readonly remoteDir: string }
  | { readonly kind: 'write'; readonly file: string; readonly content: string }
  | { readonly kind: 'mkdir'; readonly dir: string }
  | { readonly kind: 'root-password'; readonly password: RootPassword }
  | { readonly kind: 'selinux-relabel' }

/** Where the `--element` set runs among the operations: at the place of the first `--element`. */
export interface ElementsStep {
  readonly kind: 'elements'
}

export type Step = Operation | ElementsStep

/** The `--element` names, with the build options a build of them would have (ELEMENTS_PATH, DIB_*). */
export interface ElementRequest {
  readonly names: readonly string[]
  readonly options: BuildOptions
}

export interface CustomizeRequest {
  /** The image to edit (-a). */
  readonly image: string
  /** Where the result goes: another file (-o), or the image itself (--in-place). */
  readonly output: string
  readonly inPlace: boolean
  /** Do everything on the working copy, then discard it (virt-customize's --dry-run). */
  readonly dryRun: boolean
  readonly operations: readonly Step[]
  /** DIB elements to apply (their install and finalise phases), if any. */
  readonly elements?: ElementRequest | undefined
  /** Grow the disk to this many bytes (`--size`), or by this many with `grow`. */
  readonly size?: SizeRequest | undefined
  /** Where the working copy and the mount points live (TMPDIR). */
  readonly tmpDir: string
}

/** `a,b  c` → ["a", "b", "c"]; package names never contain commas or spaces. */
export function splitPackages(option: string, value: string): string[] {
  const names = value.split(/[,\s]+/).filter((name) => name !== '')
  if (names.length === 0)
    throw new UsageError(`Option "${option}" needs at least one package name: got "${value}"`)
  const bad = names.find((name) => !/^[A-Za-z0-9][A-Za-z0-9.+:~_@=<>*-]*$/.test(name))
  if (bad !== undefined) throw new UsageError(`Option "${option}": "${bad}" is not a package name`)
  return names
}

/** `NAME:VALUE`, split at the first colon; both sides must be present. */
function splitAtColon(
  option: string,
  value: string,
  left: string,
  right: string,
): [string, string] {
  const at = value.indexOf(':')
  if (at <= 0 || (at === value.length - 1 && right !== 'CONTENT')) {
    throw new UsageError(`Option "${option}" needs ${left}:${right}: got "${value}"`)
  }
  return [value.slice(0, at), value.slice(at + 1)]
}

function absoluteInImage(option: string, path: string): string {
  if (!path.startsWith('/'))
    throw new UsageError(`Option "${option}": "${path}" must be an absolute path in the image`)
  if (path.split('/').includes('..'))
    throw new UsageError(`Option "${option}": "${path}" must not contain ".."`)
  return path
}

/** `--write FILE:CONTENT` (virt-customize's form: the content is taken literally). */
export function parseWrite(value: string): Operation {
  const [file, content] = splitAtColon('--write', value, 'FILE', 'CONTENT')
  if (file.endsWith('/'))
    throw new UsageError(`Option "--write": "${file}" names a directory, not a file`)
  return { kind: 'write', file: absoluteInImage('--write', file), content }
}

/** `--copy-in LOCALPATH:REMOTEDIR`: copied (recursively) into a directory that exists in the image. */
export function parseCopyIn(value: string): Operation {
  const [local, remoteDir] = splitAtColon('--copy-in', value, 'LOCALPATH', 'REMOTEDIR')
  return { kind: 'copy-in', local, remoteDir: absoluteInImage('--copy-in', remoteDir) }
}

export function parseMkdir(value: string): Operation {
  return { kind: 'mkdir', dir: absoluteInImage('--mkdir', value) }
}

/** virt-customize's selectors that make sense offline: password:PASS, file:FILENAME, disabled. */
export function parseRootPassword(value: string): Operation {
  if (value === 'disabled') return { kind: 'root-password', password: { kind: 'disabled' } }
  const at = value.indexOf(':')
  const selector = at < 0 ? value : value.slice(0, at)
  const rest = at < 0 ? '' : value.slice(at + 1)
  if (selector === 'password' && rest !== '')
    return { kind: 'root-password', password: { kind: 'password', password: rest } }
  if (selector === 'file' && rest !== '')
    return { kind: 'root-password', password: { kind: 'file', path: rest } }
  throw new UsageError(
    `Option "--root-password" needs password:PASSWORD, file:FILENAME or disabled: got "${selector}"`,
  )
}

/** `--size 8G` (the whole disk) or `--size +2G` (added to it), in DIB's size units. */
export interface SizeRequest {
  readonly bytes: number
  readonly grow: boolean
}

export function parseSizeOption(value: string): SizeRequest {
  const grow = value.startsWith('+')
  let bytes: number
  try {
    bytes = parseSize(grow ? value.slice(1) : value)
  } catch (error) {
    throw new UsageError(
      `Option "--size": ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    )
  }
  if (bytes <= 0) throw new UsageError(`Option "--size": "${value}" is not a positive size`)
  return { bytes, grow }
}

/** One line per operation, for the log and the dry outline. */
export function describeOperation(op: Step): string {
  switch (op.kind) {
    case 'elements':
      return 'elements'
    case 'install':
      return `install ${op.packages.join(' ')}`
    case 'uninstall':
      return `uninstall ${op.packages.join(' ')}`
    case 'run-command':
      return `run-command ${op.command}`
    case 'run':
      return `run ${op.script}`
    case 'copy-in':
      return `copy-in ${op.local} to ${op.remoteDir}`
    case 'write':
      return `write ${op.file}`
    case 'mkdir':
      return `mkdir ${op.dir}`
    case 'root-password':
      return `root-password ${op.password.kind}`
    case 'selinux-relabel':
      return 'selinux-relabel'
  }
}
