// Turning a failed tool or file operation into an error that says which output failed, why,
// and for a missing tool which Debian package provides it.
import { access, constants } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { BuilderError, HostRequirementError, OutputError } from '../errors.ts'
import { CommandFailedError, describeExit } from '../exec/errors.ts'
import type { HostTool } from './formats.ts'

const DEBIAN_PACKAGES: Readonly<Record<string, string>> = {
  'qemu-img': 'qemu-utils',
  mksquashfs: 'squashfs-tools',
  tar: 'tar',
  cp: 'coreutils',
  gzip: 'gzip',
  pigz: 'pigz',
}

export interface FailedOutput {
  readonly type: string
  readonly path: string
}

function describeOutput(what: FailedOutput): string {
  return `Cannot write "${what.type}" output "${what.path}"`
}

function isMissingCommand(error: CommandFailedError): boolean {
  const cause = error.cause as NodeJS.ErrnoException | undefined
  return error.failure.exitCode === undefined && cause?.code === 'ENOENT'
}

export function missingToolError(
  command: string,
  context: string,
  cause?: unknown,
): HostRequirementError {
  const name = command.split('/').at(-1) ?? command
  const debianPackage = DEBIAN_PACKAGES[name]
  const hint =
    debianPackage === undefined
      ? `install "${command}" or put it on PATH`
      : `install the Debian package "${debianPackage}" (apt-get install ${debianPackage})`
  return new HostRequirementError(`${context}: "${command}" is not installed`, { hint, cause })
}

/** The last line worth showing from a failed command (its error, usually). */
function lastMeaningfulLine(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]?.trim()
    if (line) return line
  }
  return undefined
}

export function toOutputError(error: unknown, what: FailedOutput): BuilderError {
  const context = describeOutput(what)
  if (error instanceof CommandFailedError) {
    const command = error.failure.argv[0] ?? 'command'
    if (isMissingCommand(error)) return missingToolError(command, context, error)
    const how = error.failure.timedOut
      ? 'timed out'
      : `failed with ${describeExit(error.failure.exitCode, error.failure.signal)}`
    const last = lastMeaningfulLine(error.failure.tail)
    return new OutputError(`${context}: ${command} ${how}${last ? `: ${last}` : ''}`, {
      cause: error,
    })
  }
  if (error instanceof BuilderError) return error
  const errno = error as NodeJS.ErrnoException
  if (errno?.code === 'ENOSPC') {
    return new OutputError(`${context}: no space left on the device`, {
      hint: 'free some space in the output directory or write the image elsewhere with -o',
      cause: error,
    })
  }
  const reason = error instanceof Error ? error.message : String(error)
  return new OutputError(`${context}: ${reason}`, { cause: error })
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

async function findOnPath(command: string, searchPath: string): Promise<boolean> {
  if (command.includes('/')) return isExecutable(command)
  for (const dir of searchPath.split(delimiter)) {
    if (dir !== '' && (await isExecutable(join(dir, command)))) return true
  }
  return false
}

/**
 * Fail before any work when a tool an output needs is missing, naming every missing tool and
 * the packages to install.
 */
export async function requireHostTools(
  tools: readonly HostTool[],
  searchPath: string,
): Promise<void> {
  const missing: HostTool[] = []
  for (const tool of tools) {
    if (missing.some((known) => known.command === tool.command)) continue
    if (!(await findOnPath(tool.command, searchPath))) missing.push(tool)
  }
  if (missing.length === 0) return
  const names = missing.map((tool) => `"${tool.command}"`).join(', ')
  const packages = [...new Set(missing.map((tool) => tool.debianPackage))]
  throw new HostRequirementError(`Cannot write the requested image types: ${names} not installed`, {
    hint: `install the Debian package${packages.length > 1 ? 's' : ''} ${packages.map((p) => `"${p}"`).join(', ')} (apt-get install ${packages.join(' ')})`,
  })
}

/** The gzip compressor as a host tool; DIB_GZIP_BIN may carry arguments (`pigz -p 4`). */
export function gzipTool(gzipBin: string | undefined): HostTool {
  const command = (gzipBin ?? '').trim().split(/\s+/)[0] || 'gzip'
  const name = command.split('/').at(-1) ?? command
  return { command, debianPackage: DEBIAN_PACKAGES[name] ?? name }
}
