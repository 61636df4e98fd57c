// disk-image-create: DIB's command line, unchanged, on top of the shared build entry point.
import { readFileSync } from 'node:fs'
import { PACKAGE_ROOT } from '../util/package-paths.ts'
import { dibExamples } from './dib-examples.ts'
import { parseDibCommandLine, renderDibHelp } from './dib-options.ts'
import { examplesHelp } from './help-examples.ts'
import { exitCodeOf, renderError } from './render-error.ts'
import { runBuildFromCli } from './run-build.ts'
import { inOwnMountNamespace } from './own-namespace.ts'

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(`${PACKAGE_ROOT}/package.json`, 'utf8')) as {
    version: string
  }
  return pkg.version
}

export async function dibMain(argv: readonly string[], program: string): Promise<number> {
  let command
  try {
    command = parseDibCommandLine(
      argv,
      process.env,
      program.startsWith('ramdisk-image-create') ? 'ramdisk' : 'disk',
    )
  } catch (error) {
    process.stderr.write(renderError(error, false))
    return exitCodeOf(error)
  }
  if (command.kind === 'help') {
    process.stdout.write(`${renderDibHelp(program)}\n${examplesHelp(dibExamples(program))}\n`)
    return 0
  }
  if (command.kind === 'version') {
    process.stdout.write(`${packageVersion()}\n`)
    return 0
  }
  try {
    const { options } = command
    const status = await inOwnMountNamespace({
      containing: [
        options.tmpDir,
        options.imageName,
        ...[options.logfile, options.jsonLog, options.htmlReport].flatMap((file) => file ?? []),
      ],
      within: [...options.elementsPath, options.imageCache],
      scratch: [options.tmpDir],
    })
    if (status !== undefined) return status
  } catch (error) {
    process.stderr.write(renderError(error, false))
    return exitCodeOf(error)
  }
  return runBuildFromCli(command.options)
}
