// The shape of a bad-input row (test/system/bad-input*.ts) and builders for its common kinds:
// each row is one mistake a user makes and the exact answer imagewright must give.
import type { ElementSpec, FileSpec } from './element-tree.ts'

export interface BadInputCase {
  readonly name: string
  /** disk-image-create (the default), ramdisk-image-create or imagewright. */
  readonly bin?: 'dib' | 'ramdisk' | 'imagewright'
  /** Arguments; "<case>" stands for the case's own directory. */
  readonly args: readonly string[]
  readonly env?: Readonly<Record<string, string>>
  /** Elements written to <case>/elements, the first ELEMENTS_PATH entry. */
  readonly elements?: readonly ElementSpec[]
  /** More files below <case>. */
  readonly files?: Readonly<Record<string, FileSpec>>
  readonly exit: number
  /**
   * The first line of stderr after "Error: ", exactly; a pattern only where the host adds
   * details. "<case>", "<fixtures>" and "<builtin>" stand for those directories.
   */
  readonly error?: string | RegExp
  readonly code?: `ERR_${string}`
  /** Everything after "Try this: ", when the error gives a hint. */
  readonly hint?: string | RegExp
  /** A line the run must print on stdout (the warning of a build that succeeds). */
  readonly stdoutLine?: string
  /** What the output directory holds afterwards: nothing, unless the build succeeds. */
  readonly outputs?: readonly string[]
  /**
   * True (the default) when the mistake must be found before the build takes anything on the
   * host: then not even its temporary directory may have been created.
   */
  readonly early?: boolean
  /** Why the case cannot run on this host, if it cannot. */
  readonly skip?: string | undefined
}

/** disk-image-create with the fast test OS, writing a tar into <case>/out. */
export const dib = (...rest: string[]): string[] => [
  '-n',
  '-t',
  'tar',
  '-o',
  '<case>/out/img',
  ...rest,
]

type Extra = Omit<Partial<BadInputCase>, 'name' | 'args' | 'error'>

/** A command-line mistake refused with exit 2 and ERR_USAGE, before anything runs. */
export function usage(
  name: string,
  args: readonly string[],
  error: string | RegExp,
  extra: Extra = {},
): BadInputCase {
  return { name, args, exit: 2, code: 'ERR_USAGE', error, ...extra }
}

/** The same for an `imagewright` subcommand. */
export function imagewrightUsage(
  name: string,
  args: readonly string[],
  error: string | RegExp,
  extra: Extra = {},
): BadInputCase {
  return usage(name, args, error, { bin: 'imagewright', ...extra })
}
