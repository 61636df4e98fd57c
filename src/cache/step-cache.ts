// One build's view of the step cache: the keys of its steps, decided before anything runs,
// and the three moves the build makes with them: reuse the finished image, restore the build
// directory after the latest stored tree step, and store each result it makes.
// Every decision is an event (cache-hit, cache-miss with the inputs that changed).
import { link } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { BuildOptions } from '../config/build-options.ts'
import type { Runner } from '../exec/command.ts'
import { resolveImageName } from '../output/naming.ts'
import type { Reporter } from '../report/events.ts'
import { formatBytes } from '../util/size.ts'
import { cacheMaxBytes, minStepMs, worthStoring } from './cache-policy.ts'
import { copyInto, differingOutputs, relativeOutputs, restoreOutputs } from './image-files.ts'
import { recordLineage, type LineageRecord } from './lineage.ts'
import { missReason, TREE_WHAT } from './step-miss.ts'
import { TREE_STEPS, type StepInputs, type StepName, type TreeStep } from './step-keys.ts'
import { StepStore, type StoredEntry } from './store.ts'
import { packBuildDir, TREE_ARCHIVE, unpackBuildDir } from './tree-archive.ts'
import { uncacheableReason, type StepWorkspace } from './uncacheable.ts'

const CACHE = 'step'
const FILES_DIR = 'files'

export interface StepStatus {
  readonly step: StepName
  readonly key: string
  readonly hit: boolean
  /** For a miss: why (the inputs that changed, or that nothing was stored yet). */
  readonly reason?: string
}

export interface CacheDeps {
  readonly reporter: Reporter
  readonly runner: Runner
}

export class StepCache {
  readonly #store: StepStore
  readonly #steps: ReadonlyMap<StepName, StepInputs>
  readonly #lineage: LineageRecord
  readonly #lineageId: string
  readonly #options: BuildOptions
  readonly #deps: CacheDeps
  readonly #opened = performance.now()
  /** Why no step can be cached, when none can. */
  readonly off: string | undefined

  constructor(init: {
    store: StepStore
    steps: StepInputs[]
    lineage: LineageRecord
    lineageId: string
    options: BuildOptions
    deps: CacheDeps
    off?: string
  }) {
    this.#store = init.store
    this.#steps = new Map(init.steps.map((s) => [s.step, s]))
    this.#lineage = init.lineage
    this.#lineageId = init.lineageId
    this.#options = init.options
    this.#deps = init.deps
    this.off = init.off
  }

  /** Hit or miss of every step against the store's `entries`, touching nothing (for `plan`). */
  statuses(entries: readonly StoredEntry[]): StepStatus[] {
    const stored = new Set(entries.map((e) => e.manifest.key))
    return [...this.#steps.values()].map((step) =>
      stored.has(step.key)
        ? { step: step.step, key: step.key, hit: true }
        : {
            step: step.step,
            key: step.key,
            hit: false,
            reason: missReason(this.#lineage[step.step], step),
          },
    )
  }

  async #find(
    step: StepName,
  ): Promise<{ inputs: StepInputs; entry: StoredEntry | undefined } | undefined> {
    if (this.off !== undefined) return undefined
    const inputs = this.#steps.get(step)
    if (inputs === undefined) return undefined
    return { inputs, entry: await this.#store.lookup(inputs.key) }
  }

  #miss(inputs: StepInputs, reason = missReason(this.#lineage[inputs.step], inputs)): void {
    this.#deps.reporter.emit({
      kind: 'cache-miss',
      cache: CACHE,
      step: inputs.step,
      key: inputs.key,
      reason,
    })
  }

  #hit(entry: StoredEntry): void {
    const m = entry.manifest
    this.#deps.reporter.emit({
      kind: 'cache-hit',
      cache: CACHE,
      key: m.key,
      what: `${m.what} (stored ${m.createdAt})`,
      savedMs: m.durationMs,
    })
  }

  /** The finished image, copied to the outputs when the whole build is unchanged. */
  async reuseImage(): Promise<string[] | undefined> {
    const found = await this.#find('image')
    if (found === undefined) return undefined
    const { inputs, entry } = found
    if (entry === undefined) return void this.#miss(inputs)
    const outputDir = this.#outputDir()
    const files = entry.manifest.files.map((f) => f.slice(FILES_DIR.length + 1))
    const fromDir = join(entry.dir, FILES_DIR)
    const differing = this.#options.overwriteOldImage
      ? []
      : await differingOutputs(fromDir, outputDir, files)
    if (differing.length > 0) {
      return void this.#miss(
        inputs,
        `a different older output is in the way (${differing[0]}); a build keeps it aside, the cache does not replace it (OVERWRITE_OLD_IMAGE=1 lets it)`,
      )
    }
    const written = await restoreOutputs(fromDir, outputDir, files)
    this.#hit(entry)
    for (const path of written)
      this.#deps.reporter.emit({ kind: 'info', message: `Reused from the cache: ${path}` })
    return written
  }

  /**
   * Restore the latest stored tree step into the empty build directory (the finished tree,
   * else after post-install.d, after install.d, after root.d); undefined when none is stored.
   */
  async restoreTree(workspace: StepWorkspace): Promise<TreeStep | undefined> {
    const misses: StepInputs[] = []
    for (const step of [...TREE_STEPS].reverse()) {
      const found = await this.#find(step)
      if (found === undefined) return undefined
      if (found.entry === undefined) {
        misses.push(found.inputs)
        continue
      }
      for (const missed of misses) this.#miss(missed)
      await unpackBuildDir(
        join(found.entry.dir, TREE_ARCHIVE),
        workspace.buildDir,
        this.#deps.runner,
      )
      this.#hit(found.entry)
      return step
    }
    for (const missed of misses) this.#miss(missed)
    return undefined
  }

  /**
   * Whether `step` is worth storing, when the phases since the last step restored or stored
   * took `tookMs`: root.d always; the finished tree always when it is a link to the step before
   * (`linked`, free); otherwise only when running those phases again would take longer than a
   * threshold.
   */
  async wouldStore(step: TreeStep, tookMs: number, linked = false): Promise<boolean> {
    const inputs = this.off === undefined ? this.#steps.get(step) : undefined
    if (inputs === undefined) return false
    if (worthStoring(step, tookMs, linked, minStepMs(this.#options.env))) return true
    this.#deps.reporter.emit({
      kind: 'info',
      message: `Cache: ${TREE_WHAT[step]} not stored: the phases since the last step stored or restored took ${(tookMs / 1000).toFixed(1)} s, less than storing it is worth (IMAGEWRIGHT_CACHE_MIN_STEP_SECONDS)`,
    })
    // Its inputs are remembered all the same, so a later miss can say it was not stored, not that something changed.
    await recordLineage(this.#store.root, this.#lineageId, step, inputs.parts)
    return false
  }

  /**
   * Store the build directory as the result of tree step `step`. With `sameAs`, a step whose
   * stored build directory this one is proven equal to (unchanged-tree.ts), the entry gets a
   * hard link to that step's archive instead of packing the same tree again.
   */
  async storeTree(step: TreeStep, workspace: StepWorkspace, sameAs?: TreeStep): Promise<void> {
    const inputs = this.off === undefined ? this.#steps.get(step) : undefined
    if (inputs === undefined) return
    const why = await uncacheableReason(workspace, this.#deps.runner)
    if (why !== undefined) {
      this.#deps.reporter.emit({ kind: 'info', message: `Cache: ${step} not stored: ${why}` })
      return
    }
    await this.#store_(inputs, TREE_WHAT[step], async (staged) => {
      const archive = join(staged, TREE_ARCHIVE)
      if (sameAs !== undefined && (await this.#linkArchive(sameAs, archive))) {
        this.#deps.reporter.emit({
          kind: 'info',
          message: `Cache: the build directory has not changed since the ${TREE_WHAT[sameAs]} was stored: the ${TREE_WHAT[step]} shares its archive`,
        })
      } else await packBuildDir(workspace.buildDir, archive, this.#deps.runner)
      return [TREE_ARCHIVE]
    })
  }

  /** Link the archive stored for `step` at `to`; false when it is gone (pruned meanwhile). */
  async #linkArchive(step: TreeStep, to: string): Promise<boolean> {
    const key = this.#steps.get(step)?.key
    const entry = key === undefined ? undefined : await this.#store.lookup(key)
    if (entry === undefined) return false
    try {
      await link(join(entry.dir, TREE_ARCHIVE), to)
    } catch {
      return false // pruned between the lookup and the link: pack instead
    }
    return true
  }

  /** Store the finished outputs (every artifact the build reported). */
  async storeImage(paths: readonly string[]): Promise<void> {
    const inputs = this.off === undefined ? this.#steps.get('image') : undefined
    if (inputs === undefined) return
    const files = relativeOutputs(this.#outputDir(), [...new Set(paths)])
    if (files === undefined || files.length === 0) {
      this.#deps.reporter.emit({
        kind: 'info',
        message: 'Cache: image not stored: an output lies outside the directory of the image',
      })
      return
    }
    await this.#store_(
      inputs,
      `image ${resolveImageName(this.#options.imageName, this.#options.imageTypes)}`,
      async (staged) => {
        await copyInto(this.#outputDir(), join(staged, FILES_DIR), files)
        return files.map((f) => `${FILES_DIR}/${f}`)
      },
    )
  }

  async #store_(
    inputs: StepInputs,
    what: string,
    fill: (staged: string) => Promise<string[]>,
  ): Promise<void> {
    const staged = await this.#store.stage()
    try {
      const files = await fill(staged)
      const stored = await this.#store.commit(staged, {
        step: inputs.step,
        key: inputs.key,
        what,
        durationMs: performance.now() - this.#opened,
        parts: inputs.parts,
        files,
      })
      await recordLineage(this.#store.root, this.#lineageId, inputs.step, inputs.parts)
      const entry = await this.#store.lookup(inputs.key)
      this.#deps.reporter.emit({
        kind: 'info',
        message: `Cache: ${stored ? 'stored' : 'already stored'} ${what} (${inputs.key.slice(0, 12)}, ${formatBytes(entry?.manifest.bytes ?? 0)})`,
      })
      const pruned = await this.#store.prune(cacheMaxBytes(this.#options.env))
      if (pruned.length > 0)
        this.#deps.reporter.emit({
          kind: 'info',
          message: `Cache: pruned ${pruned.length} least recently used entries`,
        })
    } catch (error) {
      await this.#store.discard(staged)
      throw error
    }
  }

  #outputDir(): string {
    return dirname(resolve(resolveImageName(this.#options.imageName, this.#options.imageTypes)))
  }
}
