// Gathers HostFacts from the running host: device nodes, /proc, statfs, PATH, and two real
// trials (trials.ts) run through the process runner. Nothing here judges; checks.ts does.
import { constants } from 'node:fs'
import { access, open, readFile, realpath, statfs } from 'node:fs/promises'
import { totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { OVMF_CODE, OVMF_VARS } from '../boot/qemu-argv.ts'
import type { Runner } from '../exec/command.ts'
import { findTool } from '../host/host-tools.ts'
import { DOCTOR_TOOLS } from './checks.ts'
import type { CommandOnPath, HostFacts, SpaceFacts, Trial } from './facts.ts'
import { tryPartitionScan, tryQemuUnderKvm } from './trials.ts'

/** statfs(2) f_type of tmpfs. */
const TMPFS_MAGIC = 0x01021994

export interface ProbeSettings {
  readonly tmpDir: string
  readonly imageCache: string
  readonly minTmpfsGiB: number
  readonly noTmpfs: boolean
  /** The PATH a user's shell searches, for which commands win there. */
  readonly path: string
}

async function exists(path: string, mode = constants.F_OK): Promise<boolean> {
  try {
    await access(path, mode)
    return true
  } catch {
    return false
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return undefined
  }
}

export async function probeHost(runner: Runner, settings: ProbeSettings): Promise<HostFacts> {
  const uid = process.getuid?.() ?? -1
  const tools: Record<string, string | undefined> = {}
  for (const tool of DOCTOR_TOOLS) tools[tool] = await findTool(tool)
  const loopControl = await exists('/dev/loop-control')
  const release = (await readText('/proc/sys/kernel/osrelease'))?.trim()
  const modules = release ? `/lib/modules/${release}` : undefined
  return {
    uid,
    tools,
    loopControl,
    partitionScan: await probePartitionScan(runner, settings.tmpDir, { uid, loopControl, tools }),
    deviceMapper: await exists('/dev/mapper/control'),
    kernelFilesystems: {
      procFilesystems: await readText('/proc/filesystems'),
      modulesDep: modules ? await readText(`${modules}/modules.dep`) : undefined,
      modulesBuiltin: modules ? await readText(`${modules}/modules.builtin`) : undefined,
    },
    fuseDevice: await exists('/dev/fuse'),
    kvm: await probeKvm(runner, tools['qemu-system-x86_64']),
    ovmfMissing: (
      await Promise.all(
        [OVMF_CODE, OVMF_VARS].map(async (f) =>
          (await exists(f, constants.R_OK)) ? undefined : f,
        ),
      )
    ).filter((f): f is string => f !== undefined),
    space: [
      await probeSpace('TMPDIR', settings.tmpDir),
      await probeSpace('image cache', settings.imageCache),
    ],
    memoryBytes: totalmem(),
    minTmpfsGiB: settings.minTmpfsGiB,
    noTmpfs: settings.noTmpfs,
    commands: [
      await probeCommand('imagewright', settings.path),
      await probeCommand('disk-image-create', settings.path),
    ],
  }
}

async function probePartitionScan(
  runner: Runner,
  tmpDir: string,
  host: { uid: number; loopControl: boolean; tools: Record<string, string | undefined> },
): Promise<Trial> {
  if (host.uid !== 0) return { kind: 'skipped', why: 'it needs root' }
  if (!host.loopControl) return { kind: 'skipped', why: 'no /dev/loop-control' }
  if (!host.tools['losetup'] || !host.tools['sfdisk'])
    return { kind: 'skipped', why: 'losetup or sfdisk is missing' }
  try {
    return await tryPartitionScan(runner, await existingDir(tmpDir))
  } catch (error) {
    return { kind: 'failed', why: error instanceof Error ? error.message : String(error) }
  }
}

async function probeKvm(runner: Runner, qemu: string | undefined): Promise<HostFacts['kvm']> {
  try {
    const handle = await open('/dev/kvm', constants.O_RDWR)
    await handle.close()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return {
      device: code === 'ENOENT' ? 'absent' : 'no-access',
      qemu: { kind: 'skipped', why: `cannot open /dev/kvm (${code ?? 'error'})` },
    }
  }
  if (qemu === undefined)
    return { device: 'usable', qemu: { kind: 'skipped', why: 'qemu-system-x86_64 is missing' } }
  return { device: 'usable', qemu: await tryQemuUnderKvm(runner, qemu) }
}

/** The directory itself, or its nearest existing parent (a cache dir is made on first use). */
async function existingDir(path: string): Promise<string> {
  let dir = path
  while (!(await exists(dir)) && dirname(dir) !== dir) dir = dirname(dir)
  return dir
}

async function probeSpace(role: SpaceFacts['role'], path: string): Promise<SpaceFacts> {
  const measuredAt = await existingDir(path)
  const fs = await statfs(measuredAt)
  return {
    role,
    path,
    measuredAt,
    freeBytes: fs.bavail * fs.bsize,
    sizeBytes: fs.blocks * fs.bsize,
    tmpfs: fs.type === TMPFS_MAGIC,
  }
}

async function probeCommand(name: string, path: string): Promise<CommandOnPath> {
  for (const dir of path.split(':').filter(Boolean)) {
    const candidate = join(dir, name)
    if (!(await exists(candidate, constants.X_OK))) continue
    const real = await realpath(candidate).catch(() => candidate)
    return { name, path: candidate, ours: real.endsWith(`/dist/cli/${name}.js`) }
  }
  return { name, path: undefined, ours: false }
}
