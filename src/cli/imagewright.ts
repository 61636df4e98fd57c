#!/usr/bin/env node
// Executable for `imagewright`: subcommands around the same build entry point.
import { NAMESPACED_SUBCOMMANDS, ranInOwnMountNamespace } from './namespace-entry.ts'

const argv = process.argv.slice(2)
const status = NAMESPACED_SUBCOMMANDS.has(argv[0] ?? '')
  ? await ranInOwnMountNamespace()
  : undefined
if (status === undefined) {
  const { imagewrightMain } = await import('./imagewright-main.ts')
  process.exitCode = await imagewrightMain(argv)
} else {
  process.exitCode = status
}
