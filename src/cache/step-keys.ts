// The steps a build can take from the cache and the key of each: a pure function of named
// input digests. A step's key covers its own inputs and the key of the step before it, so a
// change invalidates that step and every later one, never an earlier one.
import { createHash } from 'node:crypto'
import type { PhaseName } from '../phases/phase-table.ts'

export const STEP_NAMES = ['root', 'install', 'post-install', 'tree', 'image'] as const
export type StepName = (typeof STEP_NAMES)[number]
/** The steps whose result is the build directory (the rest is the finished image). */
export type TreeStep = Exclude<StepName, 'image'>
export const TREE_STEPS: readonly TreeStep[] = ['root', 'install', 'post-install', 'tree']

/**
 * The phases whose scripts (and whatever runs between them) make each step's result. `-p`
 * packages are installed at the end of `install`; they are a tree option, in `root`'s inputs.
 */
export const STEP_PHASES: Readonly<Record<StepName, readonly PhaseName[]>> = {
  root: ['root'],
  install: ['extra-data', 'pre-install', 'install'],
  'post-install': ['post-install'],
  tree: ['post-root'],
  image: ['block-device', 'pre-finalise', 'finalise', 'cleanup'],
}

/** One named input and the digest of its value ("env DIB_RELEASE", "element marker: install.d/20-x"). */
export interface InputPart {
  readonly name: string
  readonly digest: string
}

/** What a build's keys are made of, already reduced to digests (see input-facts.ts). */
export interface StepFacts {
  /** imagewright's own code and helper scripts. */
  readonly builder: string
  /** Element files by the phase that runs them; files outside a phase directory are under 'all'. */
  readonly elementFiles: ReadonlyMap<PhaseName | 'all', readonly InputPart[]>
  /** The environment hooks see, volatile variables left out, secrets salted and hashed. */
  readonly environment: readonly InputPart[]
  /** Build options that shape the tree (elements, arch, -p packages, image name). */
  readonly treeOptions: readonly InputPart[]
  /** Build options that shape only the disk and outputs (types, sizes, filesystem...). */
  readonly imageOptions: readonly InputPart[]
  /** The root the OS element starts from (a cached bootstrap tarball), if any. */
  readonly baseRoot: readonly InputPart[]
  /** The package indexes the network steps install from (Release dates of every apt suite). */
  readonly packageIndex: readonly InputPart[]
}

export interface StepInputs {
  readonly step: StepName
  readonly parts: readonly InputPart[]
  readonly key: string
}

export function digestOf(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex')
}

export function keyOf(parts: readonly InputPart[]): string {
  const sorted = [...parts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return digestOf(sorted.map((p) => `${p.name}\0${p.digest}\n`).join(''))
}

/** The inputs and key of every step, in build order. */
export function stepInputs(facts: StepFacts): StepInputs[] {
  const files = (phases: readonly (PhaseName | 'all')[]): InputPart[] =>
    phases.flatMap((phase) => facts.elementFiles.get(phase) ?? [])
  const own: Record<StepName, InputPart[]> = {
    root: [
      { name: 'imagewright', digest: facts.builder },
      ...facts.environment,
      ...facts.treeOptions,
      ...facts.baseRoot,
      ...facts.packageIndex,
      ...files(['all', ...STEP_PHASES.root]),
    ],
    install: files(STEP_PHASES.install),
    'post-install': files(STEP_PHASES['post-install']),
    tree: files(STEP_PHASES.tree),
    image: [...facts.imageOptions, ...files(STEP_PHASES.image)],
  }
  const steps: StepInputs[] = []
  let previous: StepInputs | undefined
  for (const step of STEP_NAMES) {
    const parts =
      previous === undefined
        ? own[step]
        : [{ name: `step ${previous.step}`, digest: previous.key }, ...own[step]]
    previous = { step, parts, key: keyOf(parts) }
    steps.push(previous)
  }
  return steps
}

/**
 * Which inputs differ from those of the last stored result of the same build: names of the
 * parts added, removed or changed (the previous step's key is not an input a user changes).
 */
export function changedInputs(
  previous: readonly InputPart[],
  current: readonly InputPart[],
): string[] {
  const before = new Map(previous.map((p) => [p.name, p.digest]))
  const now = new Map(current.map((p) => [p.name, p.digest]))
  const changed: string[] = []
  for (const [name, digest] of now) {
    if (name.startsWith('step ')) continue
    if (!before.has(name)) changed.push(`${name} (new)`)
    else if (before.get(name) !== digest) changed.push(name)
  }
  for (const name of before.keys())
    if (!now.has(name) && !name.startsWith('step ')) changed.push(`${name} (gone)`)
  return changed
}
