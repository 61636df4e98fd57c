// Types for bench-table.mjs, which `npm run bench` runs as plain JavaScript (no build step).
export type Builder = 'dib' | 'iw'
export interface Run {
  readonly seconds?: number
  readonly sizeMiB?: number
  readonly peakTreeMB?: number
  readonly peakProcessMB?: number
  readonly maxRssMB?: number
  readonly error?: string
}
export type Results = Partial<Record<Builder, Partial<Record<string, Run>>>>
export interface Target {
  readonly kind: 'ratio' | 'absolute'
  readonly max: number
  readonly text: string
}
export interface Row {
  readonly label: string
  readonly unit: string
  readonly value: (results: Results, builder: Builder) => number | string | undefined
  readonly target?: Target
}
export declare const STEPS: readonly string[]
export declare const ROWS: readonly Row[]
export declare function evaluateTarget(
  target: Target | undefined,
  dib: number | string | undefined,
  iw: number | string | undefined,
): '' | 'pass' | 'FAIL' | 'not measured'
export declare function formatValue(value: number | string | undefined, unit: string): string
export declare function formatRatio(
  dib: number | string | undefined,
  iw: number | string | undefined,
): string
export declare function formatTable(results: Results, header: readonly string[]): string
