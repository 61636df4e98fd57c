// Binds the phase runner to this build: its hooks tree, exported variables and environment.
import type { HooksTree } from '../elements/hooks-tree.ts'
import { phaseSpec, type PhaseName } from '../phases/phase-table.ts'
import { runPhase } from '../phases/run-phase.ts'
import type { BuildContext } from './context.ts'
import { LIBEXEC_DIR, RUN_HOOK } from './package-paths.ts'
import { listPhase } from './phase-inputs.ts'

export type PhaseRunner = (name: PhaseName, root: string) => Promise<void>

export function runPartsRegex(env: Readonly<Record<string, string>>): RegExp | undefined {
  const custom = env['RUN_PARTS_REGEX']
  return custom ? new RegExp(custom) : undefined
}

export function makePhaseRunner(ctx: BuildContext, tree: HooksTree): PhaseRunner {
  return async (name, root) => {
    ctx.signal.throwIfAborted()
    const phase = phaseSpec(name)
    const listing = await listPhase(tree, phase, runPartsRegex(ctx.options.env), ctx.reporter)
    await runPhase(
      {
        phase,
        scripts: listing.scripts,
        envFiles: listing.envFiles,
        hooksDir: tree.root,
        root,
        runHook: RUN_HOOK,
        hostHelpersDir: LIBEXEC_DIR,
        baseEnv: ctx.options.env,
        exported: ctx.exported,
      },
      ctx,
    )
  }
}
