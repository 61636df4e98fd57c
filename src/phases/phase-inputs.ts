// What runPhase needs for one phase, read from the merged tree when the phase starts: earlier
// phases may add scripts (install-types links its choices into install.d at extra-data time).
import { realpath } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { listEnvironmentFiles } from '../elements/environment-files.ts'
import type { HooksTree } from '../elements/hooks-tree.ts'
import { listPhaseScripts, type SkipReason } from '../elements/phase-scripts.ts'
import type { PhaseScript } from './run-phase.ts'
import type { PhaseSpec } from './phase-table.ts'
import type { Reporter } from '../report/events.ts'

export interface PhaseListing {
  readonly scripts: readonly PhaseScript[]
  readonly envFiles: readonly string[]
}

export async function listPhase(
  tree: HooksTree,
  phase: PhaseSpec,
  runPartsRegex: RegExp | undefined,
  reporter: Reporter,
): Promise<PhaseListing> {
  const listing = await listPhaseScripts(
    join(tree.root, phase.dir),
    runPartsRegex ? { nameRegex: runPartsRegex } : {},
  )
  for (const skipped of listing.skipped) {
    const element = await originOf(tree, join(phase.dir, skipped.name))
    reporter.emit({
      kind: 'warning',
      message: `Not running "${phase.dir}/${skipped.name}" of element "${element}": ${describeSkip(skipped.reason)}`,
    })
  }
  const scripts: PhaseScript[] = []
  for (const script of listing.scripts) {
    scripts.push({ name: script.name, element: await originOf(tree, join(phase.dir, script.name)) })
  }
  const env = await listEnvironmentFiles(join(tree.root, 'environment.d'))
  return { scripts, envFiles: env.files.map((f) => f.name) }
}

function describeSkip(reason: SkipReason): string {
  if (reason === 'not-executable') return 'it is not executable (chmod +x it to run it)'
  if (reason === 'bad-name')
    return 'RUN_PARTS_REGEX does not match its name (by default only letters, digits, "_" and "-")'
  return reason.replace(/-/g, ' ')
}

async function originOf(tree: HooksTree, relPath: string): Promise<string> {
  const direct = tree.origins.get(relPath)
  if (direct) return direct.element
  // A link made during the build (install-types) points at a file the tree knows.
  const target = await realpath(join(tree.root, relPath)).catch(() => undefined)
  const rel = target === undefined ? undefined : relative(tree.root, target)
  return (rel !== undefined && tree.origins.get(rel)?.element) || 'unknown element'
}
