// Write the squashed plan where the in-chroot side finds it without parsing JSON:
// <lists>/<phase>.install and <phase>.uninstall, one final package name per line, next to
// DIB's squashed /tmp/package-installs.json (kept for compatibility and debugging).
import { basename, dirname, join } from 'node:path'
import {
  makeDirInTarget,
  removeInTargetTree,
  writeFileInTarget,
} from '../../chroot/target-write.ts'
import type { DibSquashJson, SquashResult } from './squash.ts'

export interface PlanPaths {
  /** The directory the paths below are relative to (nothing below it is followed if a symlink). */
  readonly root: string
  readonly json: string
  readonly listsDir: string
}

/**
 * Output locations for a target root; a path ending in ".json" is taken as DIB's output file,
 * with the lists in the directory of the same name without the extension.
 */
export function planPathsFor(output: string): PlanPaths {
  if (output.endsWith('.json')) {
    const name = basename(output)
    return { root: dirname(output), json: name, listsDir: name.slice(0, -'.json'.length) }
  }
  return { root: output, json: 'tmp/package-installs.json', listsDir: 'tmp/package-installs' }
}

export function formatPackageList(packages: readonly string[]): string {
  return packages.map((pkg) => `${pkg}\n`).join('')
}

/** DIB's squashed JSON, one [name, element] pair per line so it stays readable when debugging. */
export function formatSquashJson(json: DibSquashJson): string {
  const pairs = (list: readonly [string, string][]): string =>
    list.length === 0
      ? '[]'
      : `[\n${list.map((pair) => `      ${JSON.stringify(pair)}`).join(',\n')}\n    ]`
  const phases = Object.entries(json).map(
    ([phase, ops]) =>
      `  ${JSON.stringify(phase)}: {\n    "install": ${pairs(ops.install)},\n    "uninstall": ${pairs(ops.uninstall)}\n  }`,
  )
  return `{\n${phases.join(',\n')}\n}\n`
}

export async function writePackagePlan(result: SquashResult, paths: PlanPaths): Promise<void> {
  const { root } = paths
  await writeFileInTarget(root, paths.json, formatSquashJson(result.json))
  // Lists left over from an earlier run would add packages nobody asked for.
  await removeInTargetTree(root, paths.listsDir)
  await makeDirInTarget(root, paths.listsDir)
  for (const [phase, plan] of result.phases) {
    await writeFileInTarget(
      root,
      join(paths.listsDir, `${phase}.install`),
      formatPackageList(plan.install),
    )
    await writeFileInTarget(
      root,
      join(paths.listsDir, `${phase}.uninstall`),
      formatPackageList(plan.uninstall),
    )
  }
}
