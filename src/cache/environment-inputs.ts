// The environment as a cache input: what hooks see, minus what only says where or how this
// run happens (terminal, session, log files, temporary directories). Secret values are never
// stored: their digest is salted with the cache's own random salt.
import { createHmac } from 'node:crypto'
import { isSecretName } from '../util/secrets.ts'
import type { InputPart } from './step-keys.ts'
import { digestOf } from './step-keys.ts'

/** Variables that differ between runs of the same build without changing what it makes. */
const VOLATILE_NAMES = new Set([
  '_',
  'PWD',
  'OLDPWD',
  'SHLVL',
  'HOME',
  'USER',
  'LOGNAME',
  'MAIL',
  'SHELL',
  'TERM',
  'COLORTERM',
  'COLUMNS',
  'LINES',
  'DISPLAY',
  'LS_COLORS',
  'PS1',
  'PS2',
  'TMPDIR',
  'TMP',
  'TEMP',
  'HOSTNAME',
  'INVOCATION_ID',
  'JOURNAL_STREAM',
  'MOTD_SHOWN',
  'NO_COLOR',
  'FORCE_COLOR',
  'CI',
  'PATH',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'DIB_NO_TIMESTAMP',
  'DIB_QUIET',
  'DIB_DEBUG_TRACE',
  'DIB_IMAGE_CACHE',
  'DIB_ARGS',
  'IMAGEWRIGHT_JSON_LOG',
  'IMAGEWRIGHT_HTML_REPORT',
  'IMAGEWRIGHT_STATE_DIR',
  'IMAGEWRIGHT_TEST_CACHE',
  'IMAGEWRIGHT_CACHE_MAX_SIZE',
  'IMAGEWRIGHT_CACHE_MIN_STEP_SECONDS',
  'IMAGEWRIGHT_APT_CACHE_DAYS',
  'IMAGEWRIGHT_NO_CACHE',
  'OVERWRITE_OLD_IMAGE',
  // The build's own mount namespace: the pid of the command that made it, and the opt-out.
  'IMAGEWRIGHT_MOUNT_NAMESPACE',
  'IMAGEWRIGHT_OWN_MOUNT_NAMESPACE',
  // How the tree gets into the root filesystem (mke2fs -d or cp -a): the same files either way.
  'IMAGEWRIGHT_MKFS_POPULATE',
])
const VOLATILE_PREFIXES = [
  'SSH_',
  'XDG_',
  'SUDO_',
  'DBUS_',
  'LC_',
  'npm_',
  'NODE_',
  'VITEST',
  'GITHUB_',
  'RUNNER_',
  'TERM_',
  'WINDOWID',
  'KONSOLE_',
  'GNOME_',
]

export function isVolatile(name: string): boolean {
  return VOLATILE_NAMES.has(name) || VOLATILE_PREFIXES.some((prefix) => name.startsWith(prefix))
}

/** One part per variable that counts; a secret's value only as a salted digest. */
export function environmentParts(env: Readonly<Record<string, string>>, salt: string): InputPart[] {
  return Object.keys(env)
    .filter((name) => !isVolatile(name))
    .sort()
    .map((name) => {
      const value = env[name] ?? ''
      return {
        name: `env ${name}`,
        digest: isSecretName(name)
          ? createHmac('sha256', salt).update(value).digest('hex')
          : digestOf(value),
      }
    })
}
