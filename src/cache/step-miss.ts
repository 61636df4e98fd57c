// What a step's cache entry is called, and why a step missed: the words of the log, `plan` and
// `cache ls`.
import {
  changedInputs,
  keyOf,
  type InputPart,
  type StepInputs,
  type TreeStep,
} from './step-keys.ts'

/** What each tree step's entry holds, for the log and `cache ls`. */
export const TREE_WHAT: Readonly<Record<TreeStep, string>> = {
  root: 'root tree after root.d',
  install: 'build directory after install.d',
  'post-install': 'build directory after post-install.d',
  tree: 'finished tree after post-root.d',
}

/** Why `step` missed, given the inputs it had when it was last stored or skipped. */
export function missReason(previous: readonly InputPart[] | undefined, step: StepInputs): string {
  if (previous === undefined) return 'not stored yet'
  const changed = changedInputs(previous, step.parts)
  if (changed.length === 0)
    return keyOf(previous) === step.key
      ? 'not stored (pruned, or its phases were too quick to be worth storing)'
      : 'an earlier step changed'
  const shown = changed.slice(0, 5).join(', ')
  return `changed: ${shown}${changed.length > 5 ? ` and ${changed.length - 5} more` : ''}`
}
