// How far apt has got, read from the lines it prints anyway (no terminal needed): the download
// total and each fetched archive, then each package unpacked and set up. A pure fold over
// output lines, so the live view stays a view of the build's events.

export interface AptProgress {
  /** Packages apt said it will install ("N newly installed"). */
  readonly packagesTotal: number | undefined
  readonly downloadTotalBytes: number | undefined
  readonly downloadedBytes: number
  readonly fetched: number
  readonly unpacked: number
  readonly configured: number
}

export const NO_APT_PROGRESS: AptProgress = {
  packagesTotal: undefined,
  downloadTotalBytes: undefined,
  downloadedBytes: 0,
  fetched: 0,
  unpacked: 0,
  configured: 0,
}

const UNITS: Readonly<Record<string, number>> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }

function bytesOf(amount: string, unit: string): number {
  // apt writes thousands with a comma in the C locale: "1,234 kB".
  return Math.round(Number(amount.replaceAll(',', '')) * (UNITS[unit] ?? 1))
}

export function foldAptLine(progress: AptProgress, line: string): AptProgress {
  let match = /^Need to get ([\d.,]+) (B|kB|MB|GB)(?:\/[\d.,]+ (?:B|kB|MB|GB))? of archives/.exec(
    line,
  )
  if (match)
    return {
      ...progress,
      downloadTotalBytes: bytesOf(match[1] ?? '0', match[2] ?? 'B'),
      downloadedBytes: 0,
      fetched: 0,
    }
  match = /^\d+ upgraded, (\d+) newly installed/.exec(line)
  if (match) return { ...progress, packagesTotal: Number(match[1]), unpacked: 0, configured: 0 }
  match = /^Get:\d+ .* \[([\d.,]+) (B|kB|MB|GB)\]$/.exec(line)
  if (match)
    return {
      ...progress,
      fetched: progress.fetched + 1,
      downloadedBytes: progress.downloadedBytes + bytesOf(match[1] ?? '0', match[2] ?? 'B'),
    }
  if (/^Unpacking \S+ /.test(line)) return { ...progress, unpacked: progress.unpacked + 1 }
  if (/^Setting up \S+ /.test(line)) return { ...progress, configured: progress.configured + 1 }
  return progress
}

export function isAptActive(progress: AptProgress): boolean {
  return (
    progress.downloadTotalBytes !== undefined ||
    progress.packagesTotal !== undefined ||
    progress.unpacked > 0
  )
}
