// The variables the core exports to every hook script (DIB section 2.4), before the block
// devices exist. Later steps add IMAGE_BLOCK_DEVICE and friends to the same map.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { BuildOptions } from '../config/build-options.ts'
import type { ResolvedElements } from '../elements/resolve.ts'
import type { Workspace } from './context.ts'
import { LIB_DIR } from '../util/package-paths.ts'
import { readSetting } from '../config/settings.ts'

export function initialExports(
  options: BuildOptions,
  workspace: Workspace,
  resolved: ResolvedElements,
  searchPath: readonly string[],
): Map<string, string> {
  const names = resolved.elements.map((e) => e.name)
  const yaml = resolved.elements.map((e) => `${e.name}: ${JSON.stringify(e.path)}`).join('\n')
  const pairs = resolved.elements.map((e) => `[${e.name}]=${e.path}`).join(' ')
  const env = new Map<string, string>([
    ['IMAGE_NAME', options.imageName],
    ['ARCH', options.arch],
    ['IMAGE_ELEMENT', names.join(' ')],
    ['IMAGE_ELEMENT_YAML', `${yaml}\n`],
    // bash imports exported functions from variables named like this.
    ['BASH_FUNC_get_image_element_array%%', `() {  echo '${pairs.replace(/'/g, `'\\''`)}'\n}`],
    ['ELEMENTS_PATH', searchPath.join(':')],
    ['TMP_BUILD_DIR', workspace.buildDir],
    ['TMP_IMAGE_DIR', workspace.imageDir],
    ['TMP_HOOKS_PATH', join(workspace.buildDir, 'hooks')],
    ['TMP_MOUNT_PATH', join(workspace.buildDir, 'mnt')],
    ['DIB_IMAGE_CACHE', options.imageCache],
    ['DIB_LOCKFILES', lockfilesDir(options)],
    ['DIB_OFFLINE', options.offline ? '1' : ''],
    ['DIB_DEBUG_TRACE', String(options.debugTrace)],
    ['DIB_DEFAULT_INSTALLTYPE', options.installType],
    ['DIB_ARGS', options.args.join(' ')],
    ['DIB_ENV', declareDibVariables(options.env)],
    ['DIB_CHECKSUM', options.checksums.length > 0 ? options.checksums.join(',') : '0'],
    ['DIB_NO_TMPFS', options.noTmpfs ? '1' : '0'],
    ['DIB_MIN_TMPFS', String(options.minTmpfsGiB)],
    ['DIB_JOURNAL_SIZE', String(options.journalSizeMiB)],
    ['COMPRESS_IMAGE', options.uncompressed ? '' : '1'],
    ['SKIP_BASE', options.skipBase ? '1' : ''],
    ['INSTALL_PACKAGES', options.packages.join(' ')],
    ['IMAGE_TYPES', options.imageTypes.join(' ')],
    ['FS_TYPE', options.fsType],
    ['_LIB', LIB_DIR],
    // DIB exports `die` to every hook as a bash function; the same one lib/die defines.
    ['BASH_FUNC_die%%', DIE_FUNCTION],
    ['DIB_PYTHON_EXEC', readSetting(options.env, 'pythonExec') ?? hostPython()],
  ])
  if (options.imageExtraSizeMiB !== undefined)
    env.set('DIB_IMAGE_EXTRA_SIZE', String(options.imageExtraSizeMiB))
  if (options.maxOnlineResize !== undefined) env.set('MAX_ONLINE_RESIZE', options.maxOnlineResize)
  if (options.dockerTarget !== undefined) env.set('DOCKER_TARGET', options.dockerTarget)
  if (options.logfile !== undefined) env.set('LOGFILE', options.logfile)
  return env
}

/** Where elements keep flock files for shared caches (DIB's default is ~/.cache/dib/lockfiles). */
export function lockfilesDir(options: Pick<BuildOptions, 'env'>): string {
  return readSetting(options.env, 'lockfiles')
}

/** `declare -p`-style text of the caller's DIB_* variables, which the manifests element records. */
export function declareDibVariables(env: Readonly<Record<string, string>>): string {
  const quote = (value: string): string => `"${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`
  return Object.keys(env)
    .filter((key) => key.startsWith('DIB_'))
    .sort()
    .map((key) => `declare -x ${key}=${quote(env[key] ?? '')}`)
    .join('\n')
}

export const DIE_FUNCTION = `() {  local status=$?;
 set +o xtrace;
 echo "ERROR: $*" >&2;
 if [ "$status" -eq 0 ]; then
 status=1;
 fi;
 exit "$status"
}`

/**
 * The python DIB's Python helpers run with (DIB sets its own interpreter): the system one, whose
 * modules (yaml, diskimage_builder) come from the distribution's packages.
 */
export function hostPython(exists: (path: string) => boolean = existsSync): string {
  return ['/usr/bin/python3', '/usr/local/bin/python3'].find(exists) ?? 'python3'
}
