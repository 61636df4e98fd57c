// Image hygiene: nothing of the build machine or of this particular build may ship in the
// image. Applied after cleanup.d on the final filesystems, then checked; a finding that
// survives is a build error naming the file.
import { constants } from 'node:fs'
import { lstat, open, readdir, readFile, rm, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { safeTargetPath } from '../chroot/safe-path.ts'
import { HygieneError } from '../errors.ts'
import type { Reporter } from '../report/events.ts'
import { removeInTarget } from './tree-hygiene.ts'
import { containsSecretToken, secretValues } from '../util/secrets.ts'
import { makeDirInTarget, writeFileInTarget } from '../chroot/target-write.ts'
import { readSetting } from '../config/settings.ts'

export interface HygieneInput {
  readonly root: string
  readonly env: Readonly<Record<string, string>>
  readonly hostResolvConf: string
  readonly reporter: Reporter
  /** False for a ramdisk build's tree, whose /tmp holds the ramdisk the elements made. */
  readonly checkTmp?: boolean
}

const SSH_KEYGEN_UNIT = `[Unit]
Description=Generate SSH host keys removed from the image at build time
Before=ssh.service sshd.service
ConditionPathExists=/usr/bin/ssh-keygen

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
`
const UNIT_NAME = 'imagewright-ssh-host-keys.service'

/** Remove what must not ship: machine identity, host keys, build-time secrets places. */
export async function applyHygiene(input: HygieneInput): Promise<string[]> {
  const { root } = input
  const done: string[] = []
  const machineId = await safeTargetPath(root, 'etc/machine-id')
  if (machineId.exists && !machineId.lastIsSymlink && (await lstat(machineId.path)).size > 0) {
    await writeFileInTarget(root, 'etc/machine-id', '', 0o444)
    done.push('emptied /etc/machine-id')
  }
  const dbusId = await safeTargetPath(root, 'var/lib/dbus/machine-id')
  if (dbusId.exists && !dbusId.lastIsSymlink) {
    await rm(dbusId.path)
    done.push('removed /var/lib/dbus/machine-id')
  }
  const keys = await sshHostKeys(root)
  if (keys.length > 0) {
    for (const key of keys) await removeInTarget(root, `etc/ssh/${key}`)
    await installKeyRegeneration(root)
    done.push(
      `removed ${keys.length} SSH host key file(s); ${UNIT_NAME} regenerates them at first boot`,
    )
  }
  for (const file of ['root/.bash_history', 'root/.wget-hsts', 'root/.lesshst']) {
    const target = await safeTargetPath(root, file)
    if (target.exists) {
      await removeInTarget(root, file)
      done.push(`removed /${file}`)
    }
  }
  return done
}

async function sshHostKeys(root: string): Promise<string[]> {
  const dir = await safeTargetPath(root, 'etc/ssh')
  if (!dir.exists || dir.lastIsSymlink) return []
  return (await readdir(dir.path)).filter((name) => /^ssh_host_.*_key(\.pub)?$/.test(name)).sort()
}

async function installKeyRegeneration(root: string): Promise<void> {
  await writeFileInTarget(root, `etc/systemd/system/${UNIT_NAME}`, SSH_KEYGEN_UNIT)
  const wants = await makeDirInTarget(root, 'etc/systemd/system/multi-user.target.wants')
  const link = join(wants, UNIT_NAME)
  if (!(await lstat(link).catch(() => undefined)))
    await symlink(`/etc/systemd/system/${UNIT_NAME}`, link)
}
const SCANNED_DIRS = ['etc', 'root', 'home', 'var/lib/cloud', 'usr/local', 'opt']
const MAX_SCANNED_BYTES = 1024 * 1024

/** Findings that must not be in a finished image, each naming the file. */
export async function checkHygiene(input: HygieneInput): Promise<string[]> {
  const { root } = input
  const findings: string[] = []
  const machineId = await safeTargetPath(root, 'etc/machine-id')
  if (machineId.exists && !machineId.lastIsSymlink && (await lstat(machineId.path)).size > 0) {
    findings.push('/etc/machine-id is not empty: every instance would share one machine id')
  }
  for (const key of await sshHostKeys(root))
    findings.push(`/etc/ssh/${key} is an SSH host key: every instance would share it`)
  const resolv = await safeTargetPath(root, 'etc/resolv.conf')
  if (resolv.exists && !resolv.lastIsSymlink && input.hostResolvConf.trim() !== '') {
    const text = await readFile(resolv.path, 'utf8')
    if (text.trim() === input.hostResolvConf.trim())
      findings.push("/etc/resolv.conf is the build machine's resolver configuration")
  }
  const tmp = await safeTargetPath(root, 'tmp')
  if (
    input.checkTmp !== false &&
    tmp.exists &&
    !tmp.lastIsSymlink &&
    (await readdir(tmp.path)).length > 0
  )
    findings.push('/tmp is not empty')
  const secrets = secretValues(input.env)
  if (secrets.length > 0) {
    for (const dir of SCANNED_DIRS) {
      await scanForSecrets(root, dir, secrets, findings)
    }
  }
  return findings
}

async function scanForSecrets(
  root: string,
  dir: string,
  secrets: readonly { name: string; value: string }[],
  findings: string[],
): Promise<void> {
  const start = await safeTargetPath(root, dir)
  if (!start.exists || start.lastIsSymlink) return
  const walk = async (path: string, rel: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const full = join(path, entry.name)
      const relPath = `${rel}/${entry.name}`
      if (entry.isDirectory()) await walk(full, relPath)
      else if (entry.isFile()) {
        const handle = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW)
        try {
          if ((await handle.stat()).size > MAX_SCANNED_BYTES) continue
          const text = (await handle.readFile()).toString('latin1')
          for (const secret of secrets)
            if (containsSecretToken(text, secret.value))
              findings.push(`${relPath} contains the value of ${secret.name}`)
        } finally {
          await handle.close()
        }
      }
    }
  }
  await walk(start.path, `/${dir}`)
}

/** Apply, then prove: the build fails if anything is left. */
export async function enforceHygiene(input: HygieneInput): Promise<void> {
  const skip = !readSetting(input.env, 'hygiene')
  if (!skip) {
    for (const action of await applyHygiene(input))
      input.reporter.emit({ kind: 'info', message: `Hygiene: ${action}` })
  }
  const findings = await checkHygiene(input)
  if (findings.length === 0) {
    input.reporter.emit({
      kind: 'info',
      message:
        'Hygiene check passed: no machine id, SSH host keys, build resolver, /tmp files or DIB_* secrets in the image',
    })
    return
  }
  if (skip) {
    for (const finding of findings)
      input.reporter.emit({ kind: 'warning', message: `Hygiene: ${finding}` })
    return
  }
  throw new HygieneError(`The image would leak build data: ${findings.join('; ')}`, {
    hint: 'Remove it in a cleanup.d script, or set IMAGEWRIGHT_HYGIENE=0 to ship it anyway',
  })
}
