// A step's result on disk: the build directory (root tree, hooks tree, files hooks left for
// later phases) as one zstd-compressed tar. Owners by number, modes, xattrs, ACLs, hard links
// and device nodes are kept; other mounted filesystems are not crossed. See docs/cache.md for
// why a tar and not reflinks or overlay layers.
import type { Runner } from '../exec/command.ts'
import { OWNER_MARK } from '../host/orphans.ts'

export const TREE_ARCHIVE = 'build-dir.tar.zst'

const COMMON = ['--numeric-owner', '--xattrs', '--xattrs-include=*', '--acls']

export async function packBuildDir(
  buildDir: string,
  archive: string,
  runner: Runner,
): Promise<void> {
  await runner.run(
    {
      argv: [
        'tar',
        '-C',
        buildDir,
        ...COMMON,
        '--one-file-system',
        `--exclude=./${OWNER_MARK}`,
        '-I',
        'zstd -T0 -3 -q',
        '-cf',
        archive,
        '.',
      ],
      label: 'cache: pack the build directory',
    },
    { quiet: true },
  )
}

export async function unpackBuildDir(
  archive: string,
  buildDir: string,
  runner: Runner,
): Promise<void> {
  await runner.run(
    {
      argv: [
        'tar',
        '-C',
        buildDir,
        ...COMMON,
        '--same-owner',
        '-p',
        '-I',
        'zstd -d -T0 -q',
        '-xf',
        archive,
      ],
      label: 'cache: unpack the build directory',
    },
    { quiet: true },
  )
}
