// Expands the requested elements through element-deps and element-provides (DIB's element-info),
// then orders the result so that a build with the same inputs always sees the same order.
import { ElementError } from '../errors.ts'
import type { DiscoveredElements, ElementInfo } from './discover.ts'
import { orderElements } from './order.ts'
import { suggestNames } from '../util/suggest.ts'
import { retiredElement } from './retired-elements.ts'

/** The virtual name an operating system element must provide. */
export const OPERATING_SYSTEM = 'operating-system'

/** One element of the expanded list. */
export interface ResolvedElement {
  readonly name: string
  /** Real path of the element directory. */
  readonly path: string
  /** True when the element was in the requested list (by the user or added implicitly). */
  readonly requested: boolean
  /**
   * Elements whose element-deps name this element or a name it provides, in discovery order.
   * Empty for an element that is only requested.
   */
  readonly pulledBy: readonly string[]
  readonly deps: readonly string[]
  readonly provides: readonly string[]
}

export interface ResolvedElements {
  /** Dependencies before their dependents; ties (and cycles) in request/discovery order. */
  readonly elements: readonly ResolvedElement[]
  /** Every provided name (virtual or not) and the element that provides it. */
  readonly provided: ReadonlyMap<string, string>
}

export interface ResolveOptions {
  /** Fail unless some element provides `operating-system` (default true, as DIB). */
  readonly requireOperatingSystem?: boolean
  /**
   * Virtual name → the element that provides it when nothing else does (DIB documents
   * `block-device-mbr` for `block-device`). Used however the virtual name was reached: by the
   * request or through any element's element-deps.
   */
  readonly defaultProviders?: ReadonlyMap<string, string>
}

/** What resolution needs from discovery (a DiscoveredElements fits). */
export type ElementCatalog = Pick<DiscoveredElements, 'elements' | 'searchPath'>

/**
 * Expand `requested` breadth-first like DIB: skip names already provided, claim each expanded
 * element's provides (a name provided twice is an error) and queue its deps. Deviation from DIB:
 * a name some other element could provide is deferred until the queue runs dry instead of being
 * looked up at once, so the outcome no longer depends on whether the provider happened to be
 * dequeued first. Deviation two: the result is a list in a stable order (see orderElements), not
 * a set.
 */
export function resolveElements(
  requested: readonly string[],
  catalog: ElementCatalog,
  options: ResolveOptions = {},
): ResolvedElements {
  const wanted = [...new Set(requested)]
  const { discovered, provided, requiredBy } = expandElements(
    wanted,
    catalog,
    options.defaultProviders,
  )
  checkRequestedNotProvided(wanted, provided, options.defaultProviders)
  if (options.requireOperatingSystem ?? true) checkOperatingSystem(provided, catalog)

  // A name provided by another element is virtual here; an element providing its own name stays.
  const target = (name: string): string => provided.get(name) ?? name
  const infos = new Map<string, ElementInfo>()
  for (const name of discovered) {
    if (target(name) === name) infos.set(name, lookup(catalog, name, requiredBy))
  }
  const depsOf = (name: string): string[] => (infos.get(name)?.deps ?? []).map(target)
  const requestedSet = new Set(wanted)
  const elements = orderElements([...infos.keys()], depsOf).map((name): ResolvedElement => {
    const info = lookup(catalog, name, requiredBy)
    const pulledBy = [...infos.keys()].filter(
      (other) => other !== name && depsOf(other).includes(name),
    )
    return { ...info, requested: requestedSet.has(name), pulledBy }
  })
  return { elements, provided }
}

interface Expansion {
  /** Every name that entered the result, in the order it did. */
  readonly discovered: readonly string[]
  readonly provided: Map<string, string>
  /** The first element whose element-deps named each non-requested name. */
  readonly requiredBy: Map<string, string>
}

function expandElements(
  wanted: readonly string[],
  catalog: ElementCatalog,
  defaults: ReadonlyMap<string, string> = new Map(),
): Expansion {
  const result = new Set(wanted)
  const provided = new Map<string, string>()
  const requiredBy = new Map<string, string>()
  const providable = new Set<string>()
  for (const info of catalog.elements.values()) {
    for (const name of info.provides) if (name !== info.name) providable.add(name)
  }
  const queue = [...wanted]
  let deferred: string[] = []

  const expand = (name: string): void => {
    const info = lookup(catalog, name, requiredBy)
    for (const virtual of info.provides) {
      const earlier = provided.get(virtual)
      if (earlier !== undefined) throw provideConflict(virtual, earlier, info.name)
      provided.set(virtual, info.name)
    }
    for (const dep of info.deps) {
      if (!result.has(dep) && !provided.has(dep)) {
        queue.push(dep)
        requiredBy.set(dep, info.name)
      }
      result.add(dep)
    }
  }

  for (;;) {
    const name = queue.shift()
    if (name !== undefined) {
      if (provided.has(name)) continue
      if (providable.has(name) || !catalog.elements.has(name)) deferred.push(name)
      else expand(name)
      continue
    }
    deferred = deferred.filter((name) => !provided.has(name))
    // Nothing left can provide the deferred names: expand a real one (it may bring in a
    // provider for the others), else the default provider of a virtual one, or report the
    // first unknown one.
    const real = deferred.find((name) => catalog.elements.has(name))
    const virtual = deferred.find((name) => catalog.elements.has(defaults.get(name) ?? ''))
    if (real === undefined && virtual !== undefined) {
      const provider = defaults.get(virtual) ?? virtual
      result.add(provider)
      requiredBy.set(provider, requiredBy.get(virtual) ?? virtual)
      expand(provider)
      continue
    }
    const next = real ?? deferred[0]
    if (next === undefined) break
    deferred = deferred.filter((name) => name !== next)
    expand(next)
  }
  return { discovered: [...result], provided, requiredBy }
}

function lookup(
  catalog: ElementCatalog,
  name: string,
  requiredBy: ReadonlyMap<string, string>,
): ElementInfo {
  const info = catalog.elements.get(name)
  if (info !== undefined) return info
  const retired = retiredElement(name)
  if (retired !== undefined) throw new ElementError(`Element '${name}' is retired: ${retired}`)
  const parent = requiredBy.get(name)
  const origin = parent === undefined ? '' : ` (listed in element-deps of '${parent}')`
  const quote = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(', ')
  const hints = [`Searched: ${quote(catalog.searchPath)}`]
  const providers = [...catalog.elements.values()].filter((e) => e.provides.includes(name))
  if (providers.length > 0) {
    hints.push(`'${name}' is provided by ${quote(providers.map((e) => e.name))}: add one of them`)
  } else {
    const suggestions = suggestNames(name, catalog.elements.keys())
    if (suggestions.length > 0) hints.push(`Did you mean ${quote(suggestions)}?`)
  }
  throw new ElementError(`Element '${name}' not found${origin}`, { hint: hints.join('\n') })
}

function provideConflict(name: string, first: string, second: string): ElementError {
  const hint =
    name === OPERATING_SYSTEM
      ? 'Use only one operating system element'
      : `Use only one of '${first}' and '${second}'`
  return new ElementError(`Elements '${first}' and '${second}' both provide '${name}'`, { hint })
}

// DIB rejects a requested name that another element provides: the user asked for two things
// that fill the same role.
function checkRequestedNotProvided(
  wanted: readonly string[],
  provided: ReadonlyMap<string, string>,
  defaults: ReadonlyMap<string, string> = new Map(),
): void {
  for (const name of wanted) {
    const provider = provided.get(name)
    if (provider === undefined || provider === name) continue
    // Asked for the virtual name itself, and only its default filled it.
    if (defaults.get(name) === provider && !wanted.includes(provider)) continue
    throw new ElementError(`Element '${name}' was requested but '${provider}' provides it`, {
      hint: `Remove '${name}' from the element list`,
    })
  }
}

function checkOperatingSystem(
  provided: ReadonlyMap<string, string>,
  catalog: ElementCatalog,
): void {
  if (provided.has(OPERATING_SYSTEM)) return
  const systems = [...catalog.elements.values()]
    .filter((info) => info.provides.includes(OPERATING_SYSTEM))
    .map((info) => info.name)
    .sort()
  const hint =
    systems.length > 0
      ? `Operating system elements on the search path: ${systems.join(', ')}`
      : `No element on the search path provides '${OPERATING_SYSTEM}'`
  throw new ElementError('Please include an operating system element', { hint })
}
