// Reproducible disk images (SOURCE_DATE_EPOCH): once the last hook has run, each ext2/3/4 and
// FAT filesystem is made again from its finished tree by a single-threaded userspace tool, so
// block and inode placement no longer depend on the kernel's allocator, and every time in it is
// pinned. The kernel-written filesystem differs from build to build in block placement (per-CPU
// allocation groups), journal blocks, superblock times and every inode's change time.
//   ext: the tree is staged (cp -ax), the partition discarded, mke2fs -d fills it with a fixed
//        hash seed and E2FSPROGS_FAKE_TIME, debugfs sets every access and change time.
//   vfat: mkfs.vfat --invariant, then mtools copies the staged tree in sorted order with
//        SOURCE_DATE_EPOCH for the times it stamps.
// Bootloaders keep working where they find their files by filesystem: grub (core.img in the
// MBR gap or the BIOS boot partition, EFI binaries read from the ESP). extlinux records the
// sectors of ldlinux.sys, so a filesystem holding it is left as the kernel wrote it.
import { lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { BlockDevicePlan } from '../blockdevice/config/plan.ts'
import type { BlockDevices } from '../blockdevice/run/created-devices.ts'
import { buildMkfsArgv } from '../blockdevice/run/mkfs-argv.ts'
import type { MkfsNode } from '../blockdevice/config/node-types.ts'
import {
  debugfsTimesScript,
  extHashSeed,
  parseUsedInodes,
  rebuildKind,
  vfatCopyCommands,
  type StagedEntry,
} from '../blockdevice/run/reproducible-fs.ts'
import { readSetting } from '../config/settings.ts'
import type { BuildContext } from './context.ts'

/** SOURCE_DATE_EPOCH as whole seconds, undefined when unset or empty. */
export function sourceDateEpoch(env: Readonly<Record<string, string>>): number | undefined {
  return readSetting(env, 'sourceDateEpoch')
}

interface Rebuild {
  readonly node: MkfsNode
  readonly kind: 'ext' | 'vfat'
  readonly device: string
  readonly uuid: string | undefined
  readonly stage: string
}

/** Stage, unmount (with `unmount`), rebuild. Loop devices stay attached for the caller to release. */
export async function rebuildFilesystemsReproducibly(
  ctx: BuildContext,
  plan: BlockDevicePlan,
  devices: BlockDevices,
  epoch: number,
  unmount: () => Promise<void>,
): Promise<void> {
  const rebuilds = await stageFilesystems(ctx, plan, devices, epoch)
  await unmount()
  try {
    for (const rebuild of rebuilds) {
      await discard(ctx, rebuild)
      if (rebuild.kind === 'ext') await rebuildExt(ctx, rebuild, epoch)
      else await rebuildVfat(ctx, rebuild, epoch)
    }
  } finally {
    for (const rebuild of rebuilds) await rm(rebuild.stage, { recursive: true, force: true })
  }
}

/**
 * Zeros where the old filesystem was: mke2fs -d and mtools write only what the new one uses. A
 * loop device punches holes (the raw image stays sparse); a device without discard is zeroed.
 */
async function discard(ctx: BuildContext, rebuild: Rebuild): Promise<void> {
  const label = `discard ${rebuild.node.name}`
  const punched = await ctx.runner.run(
    { argv: ['blkdiscard', '--force', rebuild.device], label },
    { quiet: true, allowFailure: true },
  )
  if (punched.exitCode !== 0)
    await ctx.runner.run(
      { argv: ['blkdiscard', '--force', '--zeroout', rebuild.device], label },
      { quiet: true },
    )
}

async function stageFilesystems(
  ctx: BuildContext,
  plan: BlockDevicePlan,
  devices: BlockDevices,
  epoch: number,
): Promise<Rebuild[]> {
  const rebuilds: Rebuild[] = []
  for (const node of plan.nodes) {
    if (node.kind !== 'mkfs') continue
    const info = devices.filesystems[node.name]
    const mount = devices.mountPoints.find((m) => m.device === info?.device)
    if (info === undefined || mount === undefined) continue
    const kind = rebuildKind(node.type)
    if (typeof kind !== 'string') {
      ctx.reporter.emit({
        kind: 'info',
        message: `Reproducible image: ${node.type} filesystem "${node.name}" is kept as built: ${kind.reason}`,
      })
      continue
    }
    const stage = join(ctx.workspace.buildDir, `reproducible-${node.name}`)
    await rm(stage, { recursive: true, force: true })
    await mkdir(stage)
    rebuilds.push({ node, kind, device: info.device, uuid: info.uuid, stage })
    // -x: what other filesystems mount below this one is theirs to hold.
    await ctx.runner.run(
      {
        argv: ['cp', '-ax', '--sparse=always', `${mount.path}/.`, `${stage}/`],
        label: `stage ${node.name}`,
      },
      { quiet: true },
    )
    if (await holdsExtlinux(stage)) {
      ctx.reporter.emit({
        kind: 'info',
        message: `Reproducible image: filesystem "${node.name}" is kept as built: extlinux found ldlinux.sys by its sectors`,
      })
      rebuilds.pop()
      await rm(stage, { recursive: true, force: true })
      continue
    }
    // mke2fs makes its own lost+found
    await rm(join(stage, 'lost+found'), { recursive: true, force: true })
    await ctx.runner.run(
      {
        argv: [
          'find',
          stage,
          '-newermt',
          `@${epoch}`,
          '-exec',
          'touch',
          '--no-dereference',
          `--date=@${epoch}`,
          '{}',
          '+',
        ],
        label: `clamp the times of ${node.name}`,
      },
      { quiet: true },
    )
  }
  return rebuilds
}

async function holdsExtlinux(stage: string): Promise<boolean> {
  for (const dir of ['boot/extlinux', 'extlinux', 'boot/syslinux', 'syslinux']) {
    if (
      await lstat(join(stage, dir, 'ldlinux.sys')).then(
        () => true,
        () => false,
      )
    )
      return true
  }
  return false
}

async function rebuildExt(ctx: BuildContext, rebuild: Rebuild, epoch: number): Promise<void> {
  const fakeTime = { E2FSPROGS_FAKE_TIME: String(epoch) }
  const { node, device, uuid } = rebuild
  const argv = buildMkfsArgv({
    type: node.type,
    device,
    label: node.label,
    uuid,
    opts: node.opts,
    reproducible: { from: rebuild.stage, hashSeed: extHashSeed(uuid ?? node.name) },
  })
  await ctx.runner.run(
    { argv, extraEnv: fakeTime, label: `mkfs ${node.name} from its tree` },
    { quiet: true },
  )
  const dump = await ctx.runner.run(
    { argv: ['dumpe2fs', device], label: `list the inodes of ${node.name}` },
    { quiet: true, stdoutIsData: true },
  )
  const script = `${rebuild.stage}.debugfs`
  await writeFile(script, debugfsTimesScript(parseUsedInodes(dump.stdout), epoch))
  try {
    await ctx.runner.run(
      {
        argv: ['debugfs', '-w', '-f', script, device],
        extraEnv: fakeTime,
        label: `pin the inode times of ${node.name}`,
      },
      { quiet: true, stdoutIsData: true },
    )
  } finally {
    await rm(script, { force: true })
  }
}

async function rebuildVfat(ctx: BuildContext, rebuild: Rebuild, epoch: number): Promise<void> {
  const { node, device, uuid } = rebuild
  const argv = buildMkfsArgv({
    type: node.type,
    device,
    label: node.label,
    uuid,
    opts: node.opts,
    reproducible: { from: rebuild.stage },
  })
  await ctx.runner.run({ argv, label: `mkfs ${node.name} again` }, { quiet: true })
  const env = { SOURCE_DATE_EPOCH: String(epoch), MTOOLS_SKIP_CHECK: '1' }
  for (const command of vfatCopyCommands(device, await listTree(rebuild.stage), rebuild.stage)) {
    await ctx.runner.run(
      { argv: command, extraEnv: env, label: `copy ${node.name}'s files` },
      { quiet: true },
    )
  }
}

async function listTree(root: string, prefix = ''): Promise<StagedEntry[]> {
  const entries: StagedEntry[] = []
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`
    entries.push({ path, isDirectory: entry.isDirectory() })
    if (entry.isDirectory()) entries.push(...(await listTree(root, path)))
  }
  return entries
}
