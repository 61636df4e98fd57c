// Shared entry-point plumbing for the node helpers hook scripts call outside the chroot: the
// common argv shape (--elements, --path, one output path), printing and exit codes.
import { parseArgs } from 'node:util'
import { isBuilderError, UsageError } from '../../errors.ts'

export interface ToolArgs {
  readonly elements: string | undefined
  readonly path: string | undefined
  readonly output: string
}

export interface ToolOutput {
  info(line: string): void
  warn(line: string): void
}

/** Parse `[--elements NAMES] [--path DIRS] OUTPUT`; returns undefined when help was asked for. */
export function parseToolArgs(args: readonly string[], usage: string): ToolArgs | undefined {
  let parsed
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        elements: { type: 'string' },
        path: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    const reason = (error as Error).message.split('. ')[0] ?? ''
    throw new UsageError(`Cannot parse arguments: ${reason}`, {
      hint: firstLine(usage),
      cause: error,
    })
  }
  if (parsed.values.help === true) return undefined
  const [output, ...extra] = parsed.positionals
  if (output === undefined || extra.length > 0) {
    throw new UsageError('Cannot parse arguments: expected exactly one output path', {
      hint: firstLine(usage),
    })
  }
  return { elements: parsed.values.elements, path: parsed.values.path, output }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text
}

export async function runTool(
  name: string,
  usage: string,
  main: (args: ToolArgs, out: ToolOutput) => Promise<void>,
): Promise<void> {
  const out: ToolOutput = {
    info: (line) => process.stdout.write(`${name}: ${line}\n`),
    warn: (line) => process.stderr.write(`${name}: warning: ${line}\n`),
  }
  try {
    const args = parseToolArgs(process.argv.slice(2), usage)
    if (args === undefined) {
      process.stdout.write(`${usage}\n`)
      return
    }
    await main(args, out)
  } catch (error) {
    if (isBuilderError(error)) {
      process.stderr.write(`${name}: ${error.message}\n`)
      if (error.hint !== undefined) process.stderr.write(`${name}: ${error.hint}\n`)
      process.exitCode = error.exitCode
      return
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error)
    process.stderr.write(`${name}: unexpected internal error\n${detail}\n`)
    process.exitCode = 1
  }
}
