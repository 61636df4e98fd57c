// `imagewright report EVENTS.jsonl [-o OUT.html]`: the HTML report of a build, from the
// JSON-lines log its --json-log wrote (the last build, when several were appended to it); to
// stdout unless -o names a file.
import { mkdirSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { ConfigError, OutputError } from '../../errors.ts'
import { renderHtmlReport } from '../../report/html-report.ts'
import { lastBuildOf, parseEventLines } from '../../report/parse-event-lines.ts'
import { writeFileAtomically } from '../../report/write-atomically.ts'

export function reportCommand(
  eventsFile: string,
  options: { readonly output?: string | undefined },
): number {
  const events = parseEventLines(readEvents(eventsFile), eventsFile)
  if (events.length === 0)
    throw new ConfigError(`Cannot write a report from "${eventsFile}": it holds no events`)
  const page = renderHtmlReport(lastBuildOf(events))
  if (options.output === undefined) {
    process.stdout.write(page)
    return 0
  }
  try {
    mkdirSync(dirname(options.output), { recursive: true })
    writeFileAtomically(options.output, page)
  } catch (error) {
    throw new OutputError(`Cannot write the report to "${options.output}": ${reasonOf(error)}`, {
      cause: error,
    })
  }
  return 0
}

function readEvents(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new ConfigError(`Cannot read build events from "${file}": ${reasonOf(error)}`, {
      cause: error,
    })
  }
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT') return 'no such file or directory'
  if (code === 'EACCES') return 'permission denied'
  if (code === 'EISDIR') return 'it is a directory'
  return error instanceof Error ? error.message : String(error)
}
