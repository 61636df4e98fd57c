// Each customize operation, applied to the mounted image. Commands run inside the image with
// chroot (in a session from chroot/: API filesystems, the host's resolver, daemons blocked);
// files are written through chroot/target-write, which never follows a symlink out of the image.
import { randomBytes } from 'node:crypto'
import { lstat, readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { safeTargetPath } from '../chroot/safe-path.ts'
import { makeDirInTarget, removeInTargetTree, writeFileInTarget } from '../chroot/target-write.ts'
import { HookFailedError, ImageInputError, UsageError } from '../errors.ts'
import type { Argv, Runner } from '../exec/command.ts'
import { CommandFailedError } from '../exec/errors.ts'
import type { Reporter } from '../report/events.ts'
import {
  IMAGE_ENV,
  MANAGER_PROGRAMS,
  packageCommands,
  packageManagerFor,
  parseOsRelease,
} from './package-manager.ts'
import { describeOperation, type Operation, type RootPassword } from './request.ts'

export interface OperationDeps {
  readonly runner: Runner
  readonly reporter: Reporter
}

/** Run `argv` in the image; a failure names the operation and shows the command's last lines. */
async function inImage(
  root: string,
  op: Operation,
  argv: Argv,
  deps: OperationDeps,
  input?: string,
): Promise<string> {
  try {
    const result = await deps.runner.run({
      argv,
      chroot: root,
      env: IMAGE_ENV,
      label: argv.join(' '),
      ...(input === undefined ? {} : { input }),
    })
    return result.stdout
  } catch (error) {
    if (!(error instanceof CommandFailedError)) throw error
    const tail = error.failure.tail
      .slice(-10)
      .map((line) => `  | ${line}`)
      .join('\n')
    throw new HookFailedError(
      `Cannot ${describeOperation(op)}: ${error.message.replace(/^Command /, '')}${tail ? `; last output:\n${tail}` : ''}`,
      { cause: error },
    )
  }
}

async function probeInImage(
  root: string,
  argv: Argv,
  deps: OperationDeps,
): Promise<string | undefined> {
  const result = await deps.runner.run(
    { argv, chroot: root, env: IMAGE_ENV },
    { quiet: true, allowFailure: true, stdoutIsData: true },
  )
  return result.exitCode === 0 ? result.stdout.trim() : undefined
}

/** The package manager program of the image, or an error saying why there is none. */
async function packageProgram(root: string, deps: OperationDeps): Promise<string> {
  const text =
    (await probeInImage(root, ['cat', '/etc/os-release'], deps)) ??
    (await probeInImage(root, ['cat', '/usr/lib/os-release'], deps)) ??
    ''
  const osRelease = parseOsRelease(text)
  const manager = packageManagerFor(osRelease)
  if (manager === undefined) {
    throw new ImageInputError(
      `Cannot manage packages in this image: its os-release says ID=${osRelease['ID'] ?? '(none)'}, not a distribution of the apt, dnf/yum or zypper families`,
    )
  }
  for (const program of MANAGER_PROGRAMS[manager]) {
    if ((await probeInImage(root, ['sh', '-c', `command -v ${program}`], deps)) !== undefined)
      return program
  }
  throw new ImageInputError(
    `Cannot manage packages in this image: it is of the ${manager} family (ID=${osRelease['ID'] ?? ''}) but has no ${MANAGER_PROGRAMS[manager].join(' or ')}`,
  )
}

export async function applyOperation(
  root: string,
  op: Operation,
  deps: OperationDeps,
): Promise<void> {
  deps.reporter.emit({ kind: 'step-start', step: describeOperation(op) })
  const started = performance.now()
  let ok = false
  try {
    await apply(root, op, deps)
    ok = true
  } finally {
    deps.reporter.emit({
      kind: 'step-end',
      step: describeOperation(op),
      durationMs: performance.now() - started,
      ok,
    })
  }
}

type Apply<K extends Operation['kind']> = (
  root: string,
  op: Extract<Operation, { kind: K }>,
  deps: OperationDeps,
) => Promise<void>

/** What each operation does: a new kind of operation does not compile until it has an entry. */
const APPLY: { readonly [K in Operation['kind']]: Apply<K> } = {
  install: (root, op, deps) => managePackages(root, op, deps),
  uninstall: (root, op, deps) => managePackages(root, op, deps),
  'run-command': async (root, op, deps) => {
    await inImage(root, op, ['/bin/sh', '-c', op.command], deps)
  },
  run: (root, op, deps) => runScript(root, op, op.script, deps),
  'copy-in': (root, op, deps) => copyIn(root, op, op.local, op.remoteDir, deps),
  write: async (root, op) => {
    await writeFileInTarget(root, op.file, op.content)
  },
  mkdir: async (root, op) => {
    await makeDirInTarget(root, op.dir)
  },
  'root-password': async (root, op, deps) => {
    await inImage(
      root,
      op,
      ['chpasswd', '-e'],
      deps,
      `root:${await hashedPassword(op.password, deps)}\n`,
    )
  },
  'selinux-relabel': (root, _op, deps) => selinuxRelabel(root, deps),
}

function apply(root: string, op: Operation, deps: OperationDeps): Promise<void> {
  return (APPLY[op.kind] as Apply<Operation['kind']>)(root, op, deps)
}

async function managePackages(
  root: string,
  op: Extract<Operation, { kind: 'install' | 'uninstall' }>,
  deps: OperationDeps,
): Promise<void> {
  const program = await packageProgram(root, deps)
  for (const argv of packageCommands(program, op.kind, op.packages))
    await inImage(root, op, argv, deps)
}

/** The script is copied into the image's /tmp, run there as root, and removed whatever happened. */
async function runScript(
  root: string,
  op: Operation,
  script: string,
  deps: OperationDeps,
): Promise<void> {
  const inTarget = `/tmp/imagewright-run-${randomBytes(4).toString('hex')}-${basename(script)}`
  await writeFileInTarget(root, inTarget, await readFile(script), 0o755)
  try {
    await inImage(root, op, [inTarget], deps)
  } finally {
    await removeInTargetTree(root, inTarget)
  }
}

/** REMOTEDIR is resolved inside the image (its own symlinks, /bin → usr/bin), then must be a directory. */
async function copyIn(
  root: string,
  op: Operation,
  local: string,
  remoteDir: string,
  deps: OperationDeps,
): Promise<void> {
  const resolved = await probeInImage(root, ['readlink', '-e', remoteDir], deps)
  const target = resolved === undefined ? undefined : await safeTargetPath(root, resolved)
  const info = target?.exists && !target.lastIsSymlink ? await lstat(target.path) : undefined
  if (target === undefined || !info?.isDirectory()) {
    throw new UsageError(
      `Cannot copy "${local}" into "${remoteDir}": no such directory in the image`,
      { hint: `Create it first with --mkdir ${remoteDir}` },
    )
  }
  await deps.runner.run({
    argv: [
      'cp',
      '--recursive',
      '--no-dereference',
      '--preserve=mode,timestamps,links',
      '--',
      local,
      target.path,
    ],
    label: describeOperation(op),
  })
}

/** chpasswd -e takes a crypt(3) hash: the host's openssl makes it (SHA-512), so the image needs no openssl. */
async function hashedPassword(password: RootPassword, deps: OperationDeps): Promise<string> {
  if (password.kind === 'disabled') return '*'
  const clear =
    password.kind === 'password'
      ? password.password
      : ((await readFile(password.path, 'utf8')).split('\n')[0] ?? '')
  const result = await deps.runner.run(
    {
      argv: ['openssl', 'passwd', '-6', '-stdin'],
      input: `${clear}\n`,
      label: 'hash the root password',
    },
    { quiet: true, stdoutIsData: true },
  )
  return result.stdout.trim()
}

/** SELinux images get /.autorelabel: the guest relabels its filesystems at the next boot. */
async function selinuxRelabel(root: string, deps: OperationDeps): Promise<void> {
  const config = await safeTargetPath(root, 'etc/selinux/config')
  if (!config.exists) {
    deps.reporter.emit({
      kind: 'info',
      message: 'No /etc/selinux/config in the image: nothing to relabel',
    })
    return
  }
  await writeFileInTarget(root, '.autorelabel', '')
}

/** Files named on the command line are checked before the image is touched. */
export async function checkLocalFiles(ops: readonly Operation[]): Promise<void> {
  for (const op of ops) {
    const local =
      op.kind === 'copy-in'
        ? op.local
        : op.kind === 'run'
          ? op.script
          : op.kind === 'root-password' && op.password.kind === 'file'
            ? op.password.path
            : undefined
    if (local === undefined) continue
    const info = await lstat(local).catch(() => undefined)
    if (info === undefined)
      throw new UsageError(`Cannot ${describeOperation(op)}: "${local}" does not exist`)
    if (op.kind !== 'copy-in' && !info.isFile())
      throw new UsageError(`Cannot ${describeOperation(op)}: "${local}" is not a file`)
  }
}
