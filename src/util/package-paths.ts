// Where the installed package keeps what it ships besides code: built-in elements and the
// helper commands hook scripts call. Found relative to this file so `npm link`, a global
// install and a checkout all work.
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'libexec'))) return dir
    dir = resolve(dir, '..')
  }
  throw new Error('Cannot find the imagewright package root (package.json beside libexec/)')
}

export const PACKAGE_ROOT = findPackageRoot()
export const BUILTIN_ELEMENTS_DIR = join(PACKAGE_ROOT, 'elements')
export const LIBEXEC_DIR = join(PACKAGE_ROOT, 'libexec')
export const RUN_HOOK = join(LIBEXEC_DIR, 'imagewright-run-hook')
/** DIB's shell libraries for elements (`$_LIB`: img-functions, common-functions, die, ...). */
export const LIB_DIR = join(PACKAGE_ROOT, 'lib')
/**
 * Stand-ins for host commands DIB's host-side hooks call (kpartx and dmsetup without
 * device-mapper, sudo when the build already runs as root): on their PATH, never in the chroot.
 */
export const HOST_TOOLS_DIR = join(LIBEXEC_DIR, 'host')
