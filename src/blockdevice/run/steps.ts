// What creating each node does, as data. createBlockDevices() executes these steps and
// planCommandsForDisplay() prints them, so the plan shown is the plan run.
import { join } from 'node:path'
import { buildMountArgv, buildMountCheckArgv } from './fuse-mount.ts'
import { buildSgdiskArgv } from '../layout/gpt-argv.ts'
import type { DiskLayout, TableLayout } from '../layout/disk-layout.ts'
import {
  buildLvcreateArgv,
  buildPvcreateArgv,
  buildVgcreateArgv,
  lvDevicePath,
} from './lvm-argv.ts'
import { encodeMbr, type SectorWrite } from '../layout/mbr-encode.ts'
import { buildMkfsArgv, mkfsEnvironment } from './mkfs-argv.ts'
import type { BlockDeviceNode, LvmNode, LvNode } from '../config/node-types.ts'
import type { BlockDevicePlan } from '../config/plan.ts'
import { DEFAULT_SECTOR_SIZE, type SectorSize } from '../../util/sector-size.ts'

import type { Argv } from '../../exec/command.ts'
export type { Argv }

export type BlockDeviceStep =
  | { readonly kind: 'create-image'; readonly path: string; readonly bytes: number }
  /** losetup prints the device it took; it becomes the node's device. */
  | { readonly kind: 'attach-loop'; readonly image: string; readonly argv: Argv }
  | {
      readonly kind: 'write-mbr'
      readonly device: string
      readonly writes: readonly SectorWrite[]
      readonly summary: string
    }
  /**
   * `volumeGroup`: the command creates this VG, which must be deactivated before detaching.
   * `env`: variables the command needs on top of the build's environment.
   */
  | {
      readonly kind: 'run'
      readonly argv: Argv
      readonly env?: Readonly<Record<string, string>>
      readonly volumeGroup?: string
    }
  /** Make the kernel list the partitions and wait for their device nodes. */
  | {
      readonly kind: 'settle-partitions'
      readonly device: string
      readonly numbers: readonly number[]
      readonly argv: Argv
    }
  | { readonly kind: 'mkdir'; readonly path: string }
  | {
      readonly kind: 'mount'
      readonly mountPoint: string
      readonly device: string
      readonly path: string
      readonly fstype: string
      readonly argv: Argv
      /** Exits 0 only when something is mounted at `path`: for mounters whose status lies. */
      readonly verify?: Argv
    }

export interface NodeSteps {
  readonly steps: readonly BlockDeviceStep[]
  /** Devices that exist once the steps ran (partitions, LVs); loops come from attach-loop. */
  readonly devices: Readonly<Record<string, string>>
}

export interface StepContext {
  readonly plan: BlockDevicePlan
  readonly layout: DiskLayout
  readonly mountBase: string
  /** Devices known so far, by node name. */
  readonly devices: ReadonlyMap<string, string>
  /** mkfs types this kernel cannot mount, mounted through FUSE instead (see fuse-mount.ts). */
  readonly fuseTypes?: ReadonlySet<string> | undefined
  /** The mkfs node filled from a tree as it is made (`mke2fs -d`), and that tree. */
  readonly populate?: { readonly filesystem: string; readonly from: string } | undefined
}

export function planNodeSteps(node: BlockDeviceNode, ctx: StepContext): NodeSteps {
  switch (node.kind) {
    case 'local_loop': {
      const image = ctx.layout.loops.get(node.name)
      if (!image) throw new Error(`No image laid out for local_loop "${node.name}"`)
      const sectorSize = image.sectorSize === 512 ? [] : ['--sector-size', String(image.sectorSize)]
      return {
        steps: [
          { kind: 'create-image', path: image.path, bytes: image.bytes },
          {
            kind: 'attach-loop',
            image: image.path,
            argv: ['losetup', '--show', '--find', '--partscan', ...sectorSize, image.path],
          },
        ],
        devices: {},
      }
    }
    case 'partition': {
      // The whole table is written by the first partition of it, like DIB's partitioning node.
      const table = ctx.layout.tables.get(node.table.name)
      if (!table) throw new Error(`No layout for partitioning "${node.table.name}"`)
      const device = deviceOf(ctx, node.table.base)
      const devices = Object.fromEntries(
        table.table.partitions.map((name) => [
          name,
          `${device}p${ctx.layout.partitionNumbers.get(name) ?? 0}`,
        ]),
      )
      return { steps: node.position === 0 ? planTableSteps(table, device) : [], devices }
    }
    case 'lvm':
      return planLvmSteps(node, ctx)
    case 'mkfs': {
      const device = deviceOf(ctx, node.base)
      const uuid = ctx.layout.identities.filesystems.get(node.name)
      return {
        steps: [
          {
            kind: 'run',
            argv: buildMkfsArgv({
              type: node.type,
              device,
              label: node.label,
              uuid,
              opts: node.opts,
              ...(ctx.populate?.filesystem === node.name
                ? { populateFrom: ctx.populate.from }
                : {}),
            }),
            ...mkfsEnvironment(node.type),
          },
        ],
        devices: {},
      }
    }
    case 'mount': {
      const fs = ctx.plan.byName.get(node.base)
      if (fs?.kind !== 'mkfs' || fs.type === 'swap') return { steps: [], devices: {} }
      const device = deviceOf(ctx, fs.base)
      const path = mountPath(ctx.mountBase, node.mountPoint)
      const viaFuse = ctx.fuseTypes?.has(fs.type) ?? false
      return {
        steps: [
          { kind: 'mkdir', path },
          {
            kind: 'mount',
            mountPoint: node.mountPoint,
            device,
            path,
            fstype: fs.type,
            argv: buildMountArgv(device, path, viaFuse, sectorSizeOf(ctx, fs.base)),
            ...(viaFuse ? { verify: buildMountCheckArgv(path) } : {}),
          },
        ],
        devices: {},
      }
    }
    case 'pv':
    case 'vg':
    case 'lv':
    case 'fstab':
      return { steps: [], devices: {} }
  }
}

/** The sector size of the loop device a node sits on (through partitions, PVs, VGs and LVs). */
export function sectorSizeOf(ctx: Pick<StepContext, 'plan' | 'layout'>, name: string): SectorSize {
  const seen = new Set<string>()
  for (let current: string | undefined = name; current !== undefined && !seen.has(current);) {
    seen.add(current)
    const loop = ctx.layout.loops.get(current)
    if (loop) return loop.sectorSize
    const node = ctx.plan.byName.get(current)
    if (node === undefined) break
    if (node.kind === 'partition') current = node.table.base
    else if (node.kind === 'vg') current = node.pvs[0]
    else if ('base' in node) current = node.base
    else break
  }
  return DEFAULT_SECTOR_SIZE
}

/** Where a mount point of the image is on the host. */
export function mountPath(mountBase: string, mountPoint: string): string {
  return mountPoint === '/' ? mountBase : join(mountBase, mountPoint)
}

function planTableSteps(table: TableLayout, device: string): BlockDeviceStep[] {
  const write: BlockDeviceStep =
    table.label === 'mbr'
      ? {
          kind: 'write-mbr',
          device,
          writes: encodeMbr(table.layout, table.diskId),
          summary: `MBR with ${table.layout.partitions.length} partitions, disk id 0x${table.diskId.toString(16).padStart(8, '0')}`,
        }
      : {
          kind: 'run',
          argv: buildSgdiskArgv({ device, partitions: table.partitions, diskGuid: table.diskGuid }),
        }
  const numbers =
    table.label === 'mbr'
      ? table.layout.partitions.map((p) => p.number)
      : table.partitions.map((p) => p.number)
  return [write, { kind: 'settle-partitions', device, numbers, argv: ['partx', '-u', device] }]
}

// All LVM work happens in the driver node, as in DIB; pools are made before their thin volumes.
function planLvmSteps(node: LvmNode, ctx: StepContext): NodeSteps {
  const steps: BlockDeviceStep[] = []
  const devices: Record<string, string> = {}
  const pvDevices = new Map<string, string>()
  for (const name of node.pvs) {
    const pv = ctx.plan.byName.get(name)
    if (pv?.kind !== 'pv') continue
    const device = deviceOf(ctx, pv.base)
    pvDevices.set(pv.name, device)
    steps.push({ kind: 'run', argv: buildPvcreateArgv(device, pv.options) })
  }
  for (const name of node.vgs) {
    const vg = ctx.plan.byName.get(name)
    if (vg?.kind !== 'vg') continue
    const argv = buildVgcreateArgv(
      vg.name,
      vg.pvs.map((pv) => pvDevices.get(pv) ?? pv),
      vg.options,
    )
    steps.push({ kind: 'run', argv, volumeGroup: vg.name })
  }
  const lvs = node.lvs.flatMap((name) => {
    const lv = ctx.plan.byName.get(name)
    return lv?.kind === 'lv' ? [lv] : []
  })
  const pools = (lv: LvNode): number => (lv.type === 'thin-pool' ? 0 : 1)
  for (const lv of [...lvs].sort((a, b) => pools(a) - pools(b))) {
    steps.push({ kind: 'run', argv: buildLvcreateArgv(lv) })
    devices[lv.name] = lvDevicePath(lv.base, lv.name)
  }
  // Without udev nobody makes /dev/mapper nodes for the new LVs; vgscan --mknodes does.
  steps.push({ kind: 'run', argv: ['vgscan', '--mknodes'] })
  return { steps, devices }
}

function deviceOf(ctx: StepContext, name: string): string {
  const device = ctx.devices.get(name)
  if (device === undefined) throw new Error(`Device of node "${name}" is not known yet`)
  return device
}
