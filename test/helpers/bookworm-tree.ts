// A Debian 12 root tree for tests that need a real distribution's files without a build: the
// cached root the Debian system tests share, or, on a fresh machine where no test made it yet,
// a minimal bootstrap of its own.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { TEST_CACHE } from './cli.ts'

export const BOOKWORM_ROOT = join(TEST_CACHE, 'debootstrap-debian-bookworm-amd64.tar.gz')

/** Fills the new directory `tree` with a bookworm root. */
export function unpackBookwormTree(tree: string): void {
  mkdirSync(tree)
  if (existsSync(BOOKWORM_ROOT)) {
    execFileSync('tar', ['-xzf', BOOKWORM_ROOT, '-C', tree, '--numeric-owner'])
    return
  }
  execFileSync('mmdebstrap', [
    '--quiet',
    '--variant=minbase',
    'bookworm',
    tree,
    'http://deb.debian.org/debian',
  ])
}
