// The one way a build starts a command in the hook contract: phase scripts, `-p` packages and
// `break=` shells. It decides what the command sees on its side of the chroot (environment,
// PATH with the helper commands, the hooks tree's path) and wraps it in imagewright-run-hook,
// which sources environment.d before it runs the command.
import { join } from 'node:path'
import { HOOKS_IN_TARGET } from '../chroot/chroot.ts'
import type { Command } from '../exec/command.ts'
import { buildHookEnv } from './hook-env.ts'
import type { PhaseSpec } from './phase-table.ts'

/** Where the helper commands (dib-run-parts, imagewright-run-hook, …) live in the hooks tree. */
export const HELPERS_IN_HOOKS = '.imagewright/bin'

/** What a build gives every hook command: its trees, helper directories and environment. */
export interface HookSite {
  /** Host path of the merged hooks tree. */
  readonly hooksDir: string
  /** Host path of the root the hooks work on (TARGET_ROOT / the chroot). */
  readonly root: string
  /** Host path of imagewright-run-hook. */
  readonly runHook: string
  /** Host directory of the helper commands (the chroot sees copies in the hooks tree). */
  readonly hostHelpersDir: string
  /** More host directories put on PATH after the helpers, for host-side commands only. */
  readonly hostToolsDirs?: readonly string[]
  readonly baseEnv: Readonly<Record<string, string>>
  readonly exported: ReadonlyMap<string, string>
}

/** A hook command's view of the build from its side of the chroot. */
export interface HookSide {
  readonly inChroot: boolean
  /** The hooks tree as the command sees it. */
  readonly hooksDir: string
  readonly runHook: string
  readonly env: Record<string, string>
}

/** What a command of `phase` sees; `side` overrides the phase's own (a break= shell's choice). */
export function hookSide(site: HookSite, phase: PhaseSpec, side = phase.side): HookSide {
  const inChroot = side === 'chroot'
  const helpersInChroot = join(HOOKS_IN_TARGET, HELPERS_IN_HOOKS)
  return {
    inChroot,
    hooksDir: inChroot ? HOOKS_IN_TARGET : site.hooksDir,
    runHook: inChroot ? join(helpersInChroot, 'imagewright-run-hook') : site.runHook,
    env: buildHookEnv({
      base: site.baseEnv,
      exported: site.exported,
      phase: side === phase.side ? phase : { ...phase, side },
      targetRoot: site.root,
      pathPrefix: inChroot
        ? [helpersInChroot]
        : [site.hostHelpersDir, ...(site.hostToolsDirs ?? [])],
    }),
  }
}

export interface HookCommandInput {
  /** environment.d file names, in the order they are sourced. */
  readonly envFiles: readonly string[]
  /** The command after environment.d is sourced, given the hooks tree's path on its side. */
  readonly argv: (hooksDir: string) => readonly [string, ...string[]]
  readonly label: string
}

/** The Command that runs `argv` through imagewright-run-hook, on the host or in the chroot. */
export function hookCommand(site: HookSite, phase: PhaseSpec, input: HookCommandInput): Command {
  const side = hookSide(site, phase)
  const envFiles = input.envFiles.map((name) => join(side.hooksDir, 'environment.d', name))
  return {
    argv: [side.runHook, ...envFiles, '--', ...input.argv(side.hooksDir)],
    env: side.env,
    label: input.label,
    // Host-side hooks run where the build was started, as in DIB: relative paths such as the
    // manifests element's "${IMAGE_NAME}.d/" land beside the image.
    ...(side.inChroot ? { chroot: site.root } : {}),
  }
}

/** The last lines a failed hook command printed, indented for an error message. */
export function formatOutputTail(tail: readonly string[]): string {
  return tail
    .slice(-20)
    .map((line) => `  | ${line}`)
    .join('\n')
}
