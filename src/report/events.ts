// Every observable thing a build does is one of these events. Text, JSON-lines and the log
// file are views of the same stream, so adding a kind without a formatter is a type error.

export type BuildEvent =
  | { readonly kind: 'step-start'; readonly step: string; readonly detail?: string }
  | {
      readonly kind: 'step-end'
      readonly step: string
      readonly durationMs: number
      readonly ok: boolean
    }
  | { readonly kind: 'command'; readonly label: string; readonly argv: readonly string[] }
  | {
      readonly kind: 'output'
      readonly label: string
      readonly stream: 'stdout' | 'stderr'
      readonly line: string
    }
  | {
      readonly kind: 'script-end'
      readonly phase: string
      readonly script: string
      readonly element: string
      readonly durationMs: number
      readonly exitCode: number
    }
  | {
      readonly kind: 'phase-summary'
      readonly phase: string
      readonly scripts: readonly {
        readonly script: string
        readonly element: string
        readonly durationMs: number
      }[]
    }
  | { readonly kind: 'info'; readonly message: string }
  | { readonly kind: 'warning'; readonly message: string }
  | { readonly kind: 'resource'; readonly action: 'acquire' | 'release'; readonly resource: string }
  | {
      readonly kind: 'artifact'
      readonly path: string
      readonly format: string
      readonly bytes: number
    }
  // How far a long task has got: copying the tree, converting, apt downloads (see progress/).
  | {
      readonly kind: 'progress'
      readonly task: string
      readonly done: number
      readonly total?: number
      readonly unit: ProgressUnit
    }
  | { readonly kind: 'packages'; readonly packages: readonly PackageInfo[] }
  | { readonly kind: 'disk-layout'; readonly disk: DiskLayoutInfo }
  | {
      readonly kind: 'space-usage'
      readonly totalBytes: number
      readonly directories: readonly SpaceEntry[]
      readonly packages: readonly SpaceEntry[]
    }
  // A step whose result came from a cache instead of being done again.
  | {
      readonly kind: 'cache-hit'
      readonly cache: string
      readonly key: string
      readonly what: string
      readonly savedMs?: number
    }
  // A cacheable step that must run: nothing stored under its key, and which inputs changed.
  | {
      readonly kind: 'cache-miss'
      readonly cache: string
      readonly step: string
      readonly key: string
      readonly reason: string
    }
  // The last event of every build, success or failure; reports read the outcome from it.
  | {
      readonly kind: 'build-end'
      readonly ok: boolean
      readonly durationMs: number
      readonly error?: BuildFailure
    }

export type ProgressUnit = 'bytes' | 'items' | 'percent'

/** One installed package, as the image's package database states it. */
export interface PackageInfo {
  readonly name: string
  readonly version: string
  readonly arch: string
  /** The source package, and its version when it differs from the binary's. */
  readonly source: string
  readonly sourceVersion: string
  /** An SPDX licence expression, when the package states its licence machine-readably. */
  readonly license?: string
  readonly installedBytes: number
}

export interface DiskLayoutInfo {
  readonly bytes: number
  readonly sectorSize: number
  /** "dos" (MBR), "gpt", or undefined for a bare filesystem. */
  readonly table?: string
  readonly partitions: readonly PartitionInfo[]
}

export interface PartitionInfo {
  readonly name: string
  readonly startBytes: number
  readonly bytes: number
  readonly type?: string
  readonly fstype?: string
  readonly label?: string
  readonly mountPoint?: string
}

export interface SpaceEntry {
  readonly name: string
  readonly bytes: number
}

/** Why a build failed: the error's stable code (ERR_INTERNAL for bugs) and its message. */
export interface BuildFailure {
  readonly code: string
  readonly message: string
}

export type BuildEventKind = BuildEvent['kind']

export interface TimedEvent {
  readonly time: number
  readonly event: BuildEvent
}

export interface Reporter {
  emit(event: BuildEvent): void
}

/** Fan one stream of events out to several reporters. */
export class CompositeReporter implements Reporter {
  readonly #reporters: readonly Reporter[]

  constructor(reporters: readonly Reporter[]) {
    this.#reporters = reporters
  }

  emit(event: BuildEvent): void {
    for (const reporter of this.#reporters) reporter.emit(event)
  }
}

export const silentReporter: Reporter = { emit: () => undefined }

/** Keeps every event with its time; tests and the HTML report read it. */
export class RecordingReporter implements Reporter {
  readonly events: TimedEvent[] = []

  emit(event: BuildEvent): void {
    this.events.push({ time: Date.now(), event })
  }
}
