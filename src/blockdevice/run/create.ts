// Create the block devices of a plan on the host: image files, loop devices, partition
// tables, filesystems, mounts. Everything that can be checked without the host is checked
// first; once work starts, a failure releases whatever was taken, in reverse, before the
// error (naming the node) propagates.
import { BlockDeviceError, BuilderError, ConfigError, InterruptedError } from '../../errors.ts'
import { CommandFailedError } from '../../exec/errors.ts'
import { findTool } from '../../host/host-tools.ts'
import { CreatedBlockDevices, type BlockDevices, type FilesystemInfo } from './created-devices.ts'
import { nodeDeviceHost, type DeviceHost } from './device-host.ts'
import { findDeviceMapperProblem } from './device-mapper.ts'
import { layoutDisks, type DiskLayout } from '../layout/disk-layout.ts'
import { buildFstab } from '../layout/fstab.ts'
import { findFuseTypes, requireFuseTool } from './fuse-mount.ts'
import { HeldResources } from './held-resources.ts'
import type { BlockDeviceNode } from '../config/node-types.ts'
import type { BlockDeviceDeps } from './deps.ts'
import type { BlockDeviceParams } from '../layout/params.ts'
import { settlePartitions } from './partition-nodes.ts'
import type { BlockDevicePlan } from '../config/plan.ts'
import { mountPath, planNodeSteps, type BlockDeviceStep } from './steps.ts'

export const IMAGE_NODE = 'image0'

export async function createBlockDevices(
  plan: BlockDevicePlan,
  params: BlockDeviceParams,
  deps: BlockDeviceDeps,
): Promise<BlockDevices> {
  const host = deps.host ?? nodeDeviceHost
  const layout = layoutDisks(plan, params)
  await checkBlockDevicesBuildable(plan, deps)
  const fuseTypes = await findFuseTypes(plan, host)
  const held = new HeldResources(deps, host)
  const devices = new Map<string, string>()
  for (const node of plan.order) {
    try {
      const { steps, devices: made } = planNodeSteps(node, {
        plan,
        layout,
        mountBase: params.mountBase,
        devices,
        fuseTypes,
        populate: params.populate,
      })
      await asStep(deps, node, steps.length > 0, async () => {
        for (const step of steps) await executeStep(step, node, { deps, host, held, devices })
      })
      for (const [name, device] of Object.entries(made)) devices.set(name, device)
    } catch (error) {
      const leftovers = await releaseAfterFailure(held, deps)
      throw describeNodeFailure(node, error, leftovers)
    }
  }
  return new CreatedBlockDevices(describeResult(plan, params, layout, devices), held)
}

/** Each node that does work is a step of the build's timeline: "mkfs root (ext4)". */
export function nodeStepName(node: BlockDeviceNode): string {
  switch (node.kind) {
    case 'local_loop':
      return `create disk ${node.name}`
    case 'partition':
      return `partition ${node.table.name}`
    case 'mkfs':
      return `mkfs ${node.name} (${node.type})`
    case 'mount':
      return `mount ${node.mountPoint}`
    default:
      return `${node.kind} ${node.name}`
  }
}

async function asStep(
  deps: BlockDeviceDeps,
  node: BlockDeviceNode,
  doesWork: boolean,
  work: () => Promise<void>,
): Promise<void> {
  if (!doesWork) return work()
  const step = nodeStepName(node)
  deps.reporter.emit({ kind: 'step-start', step })
  const started = performance.now()
  let ok = false
  try {
    await work()
    ok = true
  } finally {
    deps.reporter.emit({ kind: 'step-end', step, durationMs: performance.now() - started, ok })
  }
}

interface ExecuteContext {
  readonly deps: BlockDeviceDeps
  readonly host: DeviceHost
  readonly held: HeldResources
  readonly devices: Map<string, string>
}

async function executeStep(
  step: BlockDeviceStep,
  node: BlockDeviceNode,
  ctx: ExecuteContext,
): Promise<void> {
  switch (step.kind) {
    case 'create-image':
      ctx.held.images.push(step.path)
      await ctx.host.createSparseFile(step.path, step.bytes)
      return
    case 'attach-loop':
      ctx.devices.set(node.name, await ctx.held.attachLoop(step.image, step.argv))
      return
    case 'write-mbr':
      await ctx.host.writeSectors(step.device, step.writes)
      return
    case 'run':
      await ctx.deps.runner.run({
        argv: step.argv,
        ...(step.env === undefined ? {} : { extraEnv: step.env }),
      })
      if (step.volumeGroup !== undefined) ctx.held.volumeGroups.push(step.volumeGroup)
      return
    case 'settle-partitions': {
      const settled = await settlePartitions(ctx.deps.runner, ctx.host, step.device, step.numbers)
      ctx.held.createdNodes.push(...settled.createdNodes)
      return
    }
    case 'mkdir':
      await ctx.host.makeDirectory(step.path)
      return
    case 'mount':
      await ctx.held.mount(
        { mountPoint: step.mountPoint, path: step.path, device: step.device, fstype: step.fstype },
        step.argv,
        step.verify,
      )
      return
  }
}

/**
 * What createBlockDevices would refuse before taking anything. A build calls it up front too, so
 * a config this host cannot build fails before any work, not after the root tree is made.
 */
export async function checkBlockDevicesBuildable(
  plan: BlockDevicePlan,
  deps: Pick<BlockDeviceDeps, 'runner' | 'host'>,
): Promise<void> {
  checkBuildable(plan)
  const host = deps.host ?? nodeDeviceHost
  await refuseLvmWithoutDeviceMapper(plan, deps, host)
  await requireFuseTool(plan, await findFuseTypes(plan, host), (name) => findTool(name))
}

// A build needs image0 (its file is the image) and a root filesystem to copy the tree into.
function checkBuildable(plan: BlockDevicePlan): void {
  if (plan.byName.get(IMAGE_NODE)?.kind !== 'local_loop') {
    throw new ConfigError(
      `${plan.file}: Cannot build an image: no local_loop node is named "${IMAGE_NODE}"`,
    )
  }
  if (!plan.nodes.some((node) => node.kind === 'mount' && node.mountPoint === '/')) {
    throw new ConfigError(`${plan.file}: Cannot build an image: no filesystem is mounted at "/"`)
  }
}

async function refuseLvmWithoutDeviceMapper(
  plan: BlockDevicePlan,
  deps: Pick<BlockDeviceDeps, 'runner'>,
  host: DeviceHost,
): Promise<void> {
  const lvm = plan.nodes.find((node) => node.kind === 'lvm')
  if (!lvm) return
  const problem = await findDeviceMapperProblem(deps.runner, host)
  if (problem === undefined) return
  throw new BlockDeviceError(
    `Cannot build LVM volumes of lvm "${lvm.name}" (${plan.file}): device-mapper is unavailable on this host: ${problem}`,
    {
      hint: 'Build on a host (or privileged container) with device-mapper, or use a layout without lvm',
    },
  )
}

async function releaseAfterFailure(held: HeldResources, deps: BlockDeviceDeps): Promise<string[]> {
  const leftovers: string[] = []
  const attempt = async (release: () => Promise<void>): Promise<void> => {
    try {
      await release()
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      leftovers.push(message)
      deps.reporter.emit({ kind: 'warning', message })
    }
  }
  await attempt(() => held.unmountAll({ lazy: true }))
  await attempt(() => held.detachAll())
  await attempt(() => held.removeImages())
  return leftovers
}

function describeNodeFailure(
  node: BlockDeviceNode,
  error: unknown,
  leftovers: readonly string[],
): Error {
  if (error instanceof InterruptedError) return error
  const reason = error instanceof Error ? error.message : String(error)
  let hint = error instanceof BuilderError ? error.hint : undefined
  if (
    error instanceof CommandFailedError &&
    [127, undefined, -1].includes(error.failure.exitCode) &&
    !error.failure.signal
  ) {
    hint = `Install the package that provides "${error.failure.argv[0] ?? ''}"`
  }
  if (leftovers.length > 0) {
    hint = `${hint ? `${hint}. ` : ''}Some resources could not be released (${leftovers.join('; ')}): run "imagewright cleanup"`
  }
  return new BlockDeviceError(`Cannot create ${node.kind} "${node.name}": ${reason}`, {
    hint,
    cause: error,
  })
}

function describeResult(
  plan: BlockDevicePlan,
  params: BlockDeviceParams,
  layout: DiskLayout,
  devices: ReadonlyMap<string, string>,
): ConstructorParameters<typeof CreatedBlockDevices>[0] {
  const images: Record<string, { path: string; device: string }> = {}
  for (const [name, image] of layout.loops)
    images[name] = { path: image.path, device: devices.get(name) ?? '' }
  const mountPointOf = new Map<string, string>()
  for (const node of plan.nodes)
    if (node.kind === 'mount') mountPointOf.set(node.base, node.mountPoint)
  const filesystems: Record<string, FilesystemInfo> = {}
  for (const node of plan.nodes) {
    if (node.kind !== 'mkfs') continue
    filesystems[node.name] = {
      device: devices.get(node.base) ?? '',
      fstype: node.type,
      label: node.label,
      uuid: layout.identities.filesystems.get(node.name),
      mountPoint: mountPointOf.get(node.name),
    }
  }
  const image = images[IMAGE_NODE]
  return {
    imagePath: image?.path ?? '',
    imageBlockDevice: image?.device ?? '',
    images,
    devices: Object.fromEntries(devices),
    filesystems,
    fstab: buildFstab(plan, layout.identities, params.fstabBy),
    rootMountPath: mountPath(params.mountBase, '/'),
  }
}
