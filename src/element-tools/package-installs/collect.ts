// Turn the package-installs files of every element into package requests, in the order the
// files were found (resolved element order, then ELEMENTS_PATH order, JSON before YAML, then
// legacy lists), translating each name through the pkg-map of the element it belongs to.
import { dataPositions, parseDataText } from '../data-file.ts'
import { lookupName, type PkgMapTable } from '../pkg-map/resolve.ts'
import type { ToolEnv } from '../tool-env.ts'
import { selectRules } from './evaluate.ts'
import { parseLegacyList } from './legacy-list.ts'
import { parsePackageInstalls, type PackageOp } from './params.ts'
import type { PackageRequest } from './squash.ts'

export type InstallSource =
  | {
      readonly kind: 'declarative'
      readonly element: string
      readonly file: string
      readonly text: string
    }
  | {
      readonly kind: 'legacy'
      /** The element named by the file's suffix: its pkg-map applies. */
      readonly element: string
      readonly file: string
      readonly text: string
      readonly phase: string
    }

export interface CollectContext {
  readonly env: ToolEnv
  /** Resolved pkg-map tables by element; elements without a map pass names through. */
  readonly tables: ReadonlyMap<string, PkgMapTable>
}

export interface CollectedRequests {
  readonly requests: readonly PackageRequest[]
  readonly warnings: readonly string[]
}

export function collectRequests(
  sources: readonly InstallSource[],
  ctx: CollectContext,
): CollectedRequests {
  const requests: PackageRequest[] = []
  const warnings: string[] = []
  const push = (element: string, name: string, phase: string, op: PackageOp): void => {
    const found = lookupName(ctx.tables.get(element), name)
    const packages = found.kind === 'mapped' ? found.packages : [name]
    requests.push({ name, element, phase, op, packages })
  }
  for (const source of sources) {
    if (source.kind === 'legacy') {
      for (const item of parseLegacyList(source.text, source.file)) {
        push(source.element, item.name, source.phase, item.op)
      }
      continue
    }
    const parsed = parsePackageInstalls(
      parseDataText(source.text, source.file),
      source.file,
      dataPositions(source.text, source.file),
    )
    warnings.push(...parsed.warnings)
    const ruleCtx = { env: ctx.env, element: source.element, file: source.file }
    for (const entry of parsed.entries) {
      for (const rule of selectRules(entry, ruleCtx))
        push(source.element, entry.name, rule.phase, rule.op)
    }
  }
  return { requests, warnings }
}
