// imagewright-target-write: how a host-side shell element writes into the image without ever
// following a symlink out of it (see src/chroot/target-write.ts). On the PATH of host-side hooks.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { makeDirInTarget, writeFileInTarget } from '../../chroot/target-write.ts'
import { isBuilderError, UsageError } from '../../errors.ts'

const USAGE = `Usage: imagewright-target-write [--dir] [--from FILE] [--mode MODE] TARGET_ROOT PATH
Writes standard input (or FILE) to PATH inside TARGET_ROOT, or with --dir makes PATH a
directory there. No symlink on the way is followed: a symlinked directory is refused, a
symlink at PATH itself is replaced. MODE is octal (default 644, 755 with --dir).`

function main(argv: readonly string[]): number {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      dir: { type: 'boolean' },
      from: { type: 'string' },
      mode: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  })
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return -1
  }
  const [root, path, ...extra] = positionals
  if (root === undefined || path === undefined || extra.length > 0)
    throw new UsageError('expected TARGET_ROOT and PATH', { hint: USAGE.split('\n')[0] })
  if (values.mode !== undefined && !/^[0-7]{3,4}$/.test(values.mode))
    throw new UsageError(`--mode must be octal, like 644: got "${values.mode}"`)
  const mode = values.mode === undefined ? undefined : parseInt(values.mode, 8)
  void (
    values.dir
      ? makeDirInTarget(root, path, mode ?? 0o755)
      : writeFileInTarget(root, path, readFileSync(values.from ?? 0), mode ?? 0o644)
  ).catch(fail)
  return 0
}

function fail(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`imagewright-target-write: ${message}\n`)
  if (isBuilderError(error) && error.hint)
    process.stderr.write(`imagewright-target-write: ${error.hint}\n`)
  process.exitCode = isBuilderError(error) ? error.exitCode : 1
}

try {
  main(process.argv.slice(2))
} catch (error) {
  fail(error)
}
