// `imagewright doctor [--json]`: what this host can build and boot, check by check, with what
// each problem limits and the package that fixes it. Exits 8 (host not ready) when no build can
// work here, 0 otherwise.
import pc from 'picocolors'
import { ExitCode } from '../../errors.ts'
import { ProcessRunner } from '../../exec/run.ts'
import { buildsCanWork, checkHost, type Check } from '../../doctor/checks.ts'
import { probeHost, type ProbeSettings } from '../../doctor/probe.ts'
import { silentReporter } from '../../report/events.ts'
import { readSetting } from '../../config/settings.ts'

const MARK: Readonly<Record<Check['status'], string>> = {
  ok: pc.green('ok  '),
  warn: pc.yellow('warn'),
  fail: pc.red('FAIL'),
}

/** The settings a build would use, from the same environment variables. */
export function doctorSettings(env: Readonly<Record<string, string | undefined>>): ProbeSettings {
  return {
    tmpDir: readSetting(env, 'tmpDir'),
    imageCache: readSetting(env, 'imageCache'),
    // A bad DIB_MIN_TMPFS is the build's to refuse; the doctor checks with the default.
    minTmpfsGiB: lenient(() => readSetting(env, 'minTmpfsGiB'), 2),
    noTmpfs: readSetting(env, 'noTmpfs'),
    path: env['PATH'] ?? '',
  }
}

export function renderChecks(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.title.length))
  const out: string[] = []
  for (const check of checks) {
    out.push(`${MARK[check.status]}  ${check.title.padEnd(width)}  ${check.found}`)
    if (check.status === 'ok') continue
    const indent = ' '.repeat(width + 8)
    out.push(`${indent}${pc.dim('limits:')} ${check.limits}`)
    if (check.fix) out.push(`${indent}${pc.dim('fix:')}    ${check.fix}`)
  }
  const packages = [
    ...new Set(checks.filter((c) => c.status !== 'ok').flatMap((c) => c.packages)),
  ].sort()
  const failed = checks.filter((c) => c.status === 'fail').length
  const warned = checks.filter((c) => c.status === 'warn').length
  out.push('')
  out.push(
    failed > 0
      ? pc.red(`No build can work on this host: ${failed} check(s) failed`)
      : `Builds can work on this host${warned > 0 ? `; ${warned} check(s) limit some builds or boot tests` : ''}`,
  )
  if (packages.length > 0)
    out.push(`Packages that fix the rest: apt-get install ${packages.join(' ')}`)
  return `${out.join('\n')}\n`
}

export async function doctorCommand(options: { readonly json?: boolean }): Promise<number> {
  const runner = new ProcessRunner({ reporter: silentReporter })
  const facts = await probeHost(runner, doctorSettings(process.env))
  const checks = checkHost(facts)
  const ok = buildsCanWork(checks)
  process.stdout.write(
    options.json
      ? `${JSON.stringify({ buildsCanWork: ok, checks }, null, 2)}\n`
      : renderChecks(checks),
  )
  return ok ? ExitCode.Ok : ExitCode.Host
}

function lenient<T>(read: () => T, fallback: T): T {
  try {
    return read()
  } catch {
    return fallback
  }
}
