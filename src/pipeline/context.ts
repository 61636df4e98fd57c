// Everything one build step needs, passed explicitly: options, the runner, the event sink, the
// resource journal, the abort signal and the workspace paths.
import { join } from 'node:path'
import type { BuildOptions } from '../config/build-options.ts'
import type { Runner } from '../exec/command.ts'
import type { ResourceJournal } from '../host/journal.ts'
import type { Reporter } from '../report/events.ts'

export interface Workspace {
  /** TMP_BUILD_DIR: hooks, the root tree, block-device state. */
  readonly buildDir: string
  /** TMP_IMAGE_DIR: the raw disk image while it is assembled. */
  readonly imageDir: string
}

export interface BuildContext {
  readonly options: BuildOptions
  /** Names the build's journal and tags every process it starts. */
  readonly buildId: string
  /** Runs the build's work; aborting the build kills what it runs. */
  readonly runner: Runner
  /**
   * Runs what takes and releases host resources (mounts, loop devices). It ignores the abort
   * signal: once the build is interrupted, this is what unmounts and detaches.
   */
  readonly resourceRunner: Runner
  readonly reporter: Reporter
  readonly journal: ResourceJournal
  readonly signal: AbortSignal
  readonly workspace: Workspace
  /** Variables exported to every hook; grows as the build learns things (block devices...). */
  readonly exported: Map<string, string>
}

export const hooksDir = (ctx: BuildContext): string => join(ctx.workspace.buildDir, 'hooks')
export const rootTreeDir = (ctx: BuildContext): string => join(ctx.workspace.buildDir, 'mnt')
export const imageMountDir = (ctx: BuildContext): string =>
  join(ctx.workspace.buildDir, 'image-mnt')
export const blockDeviceDir = (ctx: BuildContext): string =>
  join(ctx.workspace.buildDir, 'block-device')

export function throwIfAborted(ctx: BuildContext): void {
  ctx.signal.throwIfAborted()
}

/** The context to hand to code that owns host resources. */
export function resourceDeps(ctx: BuildContext): BuildContext {
  return { ...ctx, runner: ctx.resourceRunner }
}
