// Binds the phase runner to this build: its hooks tree, exported variables, environment and
// `break=` breakpoints.
import type { HooksTree } from '../elements/hooks-tree.ts'
import { breakpointFor, readBreakSettings, type BreakKind } from '../phases/breakpoints.ts'
import { phaseSpec, type PhaseName, type PhaseSpec } from '../phases/phase-table.ts'
import { hookSide, type HookSite } from '../phases/run-hook.ts'
import { runPhase } from '../phases/run-phase.ts'
import type { BuildContext } from './context.ts'
import { HOST_TOOLS_DIR, LIBEXEC_DIR, RUN_HOOK } from '../util/package-paths.ts'
import { listPhase } from '../phases/phase-inputs.ts'
import { readSetting } from '../config/settings.ts'

export type PhaseRunner = (name: PhaseName, root: string) => Promise<void>

export function runPartsRegex(env: Readonly<Record<string, string>>): RegExp | undefined {
  return readSetting(env, 'runPartsRegex')
}

/** What every hook command of this build is given (phases, -p packages, break= shells). */
export function hookSite(ctx: BuildContext, tree: HooksTree, root: string): HookSite {
  return {
    hooksDir: tree.root,
    root,
    runHook: RUN_HOOK,
    hostHelpersDir: LIBEXEC_DIR,
    hostToolsDirs: [HOST_TOOLS_DIR],
    baseEnv: ctx.options.env,
    exported: ctx.exported,
  }
}

export function makePhaseRunner(ctx: BuildContext, tree: HooksTree): PhaseRunner {
  const breaks = readBreakSettings(ctx.options.env)
  return async (name, root) => {
    ctx.signal.throwIfAborted()
    const phase = phaseSpec(name)
    const listing = await listPhase(tree, phase, runPartsRegex(ctx.options.env), ctx.reporter)
    const stopAt = async (kind: BreakKind): Promise<void> => {
      const decision = breakpointFor(breaks, phase, kind, listing.scripts.length > 0)
      if (decision)
        await runBreakpoint(
          ctx,
          hookSite(ctx, tree, root),
          phase,
          decision.command,
          decision.where,
          kind,
        )
    }
    await stopAt('before')
    try {
      await runPhase(
        {
          phase,
          scripts: listing.scripts,
          envFiles: listing.envFiles,
          site: hookSite(ctx, tree, root),
        },
        ctx,
      )
    } catch (error) {
      if (!ctx.signal.aborted) await stopAt('error')
      throw error
    }
    await stopAt('after')
  }
}

async function runBreakpoint(
  ctx: BuildContext,
  site: HookSite,
  phase: PhaseSpec,
  command: string,
  where: 'host' | 'chroot',
  kind: BreakKind,
): Promise<void> {
  ctx.reporter.emit({
    kind: 'info',
    message: `Breakpoint ${kind === 'error' ? 'after-error' : `${kind}-${phase.name}`}: running "${command}" ${where === 'chroot' ? 'in the chroot' : 'on the host'}`,
  })
  const { env } = hookSide(site, phase, where)
  await ctx.runner.run(
    {
      argv: command === 'bash' ? ['bash', '-i'] : ['bash', '-c', command],
      env,
      interactive: true,
      label: `break ${phase.dir}`,
      ...(where === 'chroot' ? { chroot: site.root } : { cwd: site.root }),
    },
    { allowFailure: true },
  )
}
