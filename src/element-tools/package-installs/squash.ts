// Squash every element's package requests into one plan per phase. Requests are applied in the
// resolved element order, per final (pkg-map translated) package name, with DIB's merge rules:
// a plain install cancels a pending uninstall of the package in that phase; an uninstall of a
// package already to be installed (and not itself pending removal) is dropped; a build-only
// request for such a package becomes a plain install. Both request orders give the same plan.
import { STANDARD_PHASES, type PackageOp } from './params.ts'

export interface PackageRequest {
  /** The name as the element wrote it. */
  readonly name: string
  /** The element whose pkg-map translated the name. */
  readonly element: string
  readonly phase: string
  readonly op: PackageOp
  /** Final package names after pkg-map; empty when the map says "install nothing". */
  readonly packages: readonly string[]
}

export interface PhasePlan {
  /** Installed at the start of the phase (includes build-only packages). */
  readonly install: readonly string[]
  /** Removed at the end of the phase. */
  readonly uninstall: readonly string[]
}

/** DIB's /tmp/package-installs.json shape: phase → op → [name, element] pairs. */
export type DibSquashJson = Record<
  string,
  { install: [string, string][]; uninstall: [string, string][] }
>

export interface SquashResult {
  readonly phases: ReadonlyMap<string, PhasePlan>
  readonly json: DibSquashJson
}

class PhaseState {
  // package → indexes of the requests that asked for it, to rebuild DIB's JSON afterwards
  readonly install = new Map<string, number[]>()
  readonly uninstall = new Map<string, number[]>()

  apply(pkg: string, op: PackageOp, request: number): void {
    const pendingInstall = this.install.has(pkg) && !this.uninstall.has(pkg)
    if (op === 'install') {
      this.uninstall.delete(pkg)
      add(this.install, pkg, request)
    } else if (op === 'uninstall') {
      if (!pendingInstall) add(this.uninstall, pkg, request)
    } else {
      add(this.install, pkg, request)
      if (!pendingInstall) add(this.uninstall, pkg, request)
    }
  }
}

export function squashRequests(requests: readonly PackageRequest[]): SquashResult {
  const states = new Map<string, PhaseState>(
    STANDARD_PHASES.map((phase) => [phase, new PhaseState()]),
  )
  requests.forEach((request, index) => {
    let state = states.get(request.phase)
    if (state === undefined) {
      state = new PhaseState()
      states.set(request.phase, state)
    }
    for (const pkg of request.packages) state.apply(pkg, request.op, index)
  })
  const phases = new Map<string, PhasePlan>()
  const json: DibSquashJson = {}
  for (const [phase, state] of states) {
    phases.set(phase, {
      install: [...state.install.keys()],
      uninstall: [...state.uninstall.keys()],
    })
    json[phase] = {
      install: pairsOf(state.install, requests),
      uninstall: pairsOf(state.uninstall, requests),
    }
  }
  return { phases, json }
}

function add(map: Map<string, number[]>, pkg: string, request: number): void {
  const list = map.get(pkg)
  if (list === undefined) map.set(pkg, [request])
  else if (!list.includes(request)) list.push(request)
}

function pairsOf(
  map: ReadonlyMap<string, readonly number[]>,
  requests: readonly PackageRequest[],
): [string, string][] {
  const indexes = [...new Set([...map.values()].flat())].sort((a, b) => a - b)
  const seen = new Set<string>()
  const pairs: [string, string][] = []
  for (const index of indexes) {
    const request = requests[index]
    if (request === undefined) continue
    const key = `${request.name}\n${request.element}`
    if (seen.has(key)) continue
    seen.add(key)
    pairs.push([request.name, request.element])
  }
  return pairs
}
