// DIB_SHOW_IMAGE_USAGE: a `du` report of the root tree, biggest first, in binary units. Only
// entries of 10 MiB or more unless DIB_SHOW_IMAGE_USAGE_FULL is set, as DIB prints it.
import type { BuildContext } from './context.ts'
import { scaleBinary } from '../util/size.ts'
import { readSetting } from '../config/settings.ts'

const TEN_MIB_IN_KIB = 10 * 1024

export interface UsageEntry {
  readonly kib: number
  readonly path: string
}

export function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0'
}

/** `du -a -c -k` output → entries (the "total" line included, as DIB shows it). */
export function parseDu(text: string): UsageEntry[] {
  return text
    .split('\n')
    .map((line) => /^(\d+)\t(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ kib: Number(match[1]), path: match[2] ?? '' }))
}

/** KiB in the style of `numfmt --to=iec-i --suffix=B`: rounded up, one decimal below 10. */
export function formatKiB(kib: number): string {
  const { value, unit } = scaleBinary(kib * 1024)
  const text =
    value < 10 && unit !== 'KiB'
      ? (Math.ceil(value * 10) / 10).toFixed(1)
      : String(Math.ceil(value))
  return `${text}${unit}`
}

export function usageReport(entries: readonly UsageEntry[], full: boolean): string[] {
  const shown = [...entries]
    .filter((entry) => full || entry.kib >= TEN_MIB_IN_KIB)
    .sort((a, b) => b.kib - a.kib || a.path.localeCompare(b.path))
  const title = full ? 'Image size report' : 'Image size report (files > 10MiB)'
  const rule = '='.repeat(title.length)
  return [
    rule,
    title,
    rule,
    ...shown.map((entry) => `${formatKiB(entry.kib).padStart(7)} ${entry.path}`),
  ]
}

export async function showImageUsage(ctx: BuildContext, tree: string): Promise<void> {
  const env = ctx.options.env
  if (!readSetting(env, 'showImageUsage')) return
  const du = await ctx.runner.run(
    { argv: ['du', '-a', '-c', '-x', '--block-size=1024', tree], label: 'image usage report' },
    { quiet: true },
  )
  for (const line of usageReport(parseDu(du.stdout), readSetting(env, 'showImageUsageFull'))) {
    ctx.reporter.emit({ kind: 'info', message: line })
  }
}
