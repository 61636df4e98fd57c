// Opening one build's step cache: the facts its keys are made of, gathered before anything runs.
import type { BuildOptions } from '../config/build-options.ts'
import type { ResolvedRelease } from '../element-tools/debian-release/resolve.ts'
import type { ResolvedElement } from '../elements/resolve.ts'
import { cacheEnabled } from './cache-policy.ts'
import { gatherStepFacts } from './input-facts.ts'
import { lineageId, readLineage, type LineageRecord } from './lineage.ts'
import { cacheSalt } from './salt.ts'
import { StepCache, type CacheDeps } from './step-cache.ts'
import { stepInputs, type StepInputs } from './step-keys.ts'
import { StepStore } from './store.ts'

/** The cache of one build; with --no-cache (or nothing cacheable) every move is a no-op. */
export async function openStepCache(
  options: BuildOptions,
  elements: readonly ResolvedElement[],
  release: ResolvedRelease | undefined,
  deps: CacheDeps,
): Promise<StepCache> {
  const store = new StepStore(options.imageCache)
  const id = lineageId(options)
  const base = {
    store,
    lineageId: id,
    options,
    deps,
    steps: [] as StepInputs[],
    lineage: {} as LineageRecord,
  }
  if (!cacheEnabled(options)) return new StepCache({ ...base, off: '--no-cache' })
  const gathered = await gatherStepFacts(options, elements, release, await cacheSalt(store.root))
  if (!gathered.ok) {
    deps.reporter.emit({ kind: 'info', message: `Cache: not used: ${gathered.reason}` })
    return new StepCache({ ...base, off: gathered.reason })
  }
  const steps = stepInputs(gathered.facts)
  return new StepCache({
    ...base,
    steps: options.ramdiskElement === undefined ? steps : steps.filter((s) => s.step !== 'image'),
    lineage: await readLineage(store.root, id),
  })
}
