#!/usr/bin/env node
// Executable for `disk-image-create`.
import { basename } from 'node:path'
import { ranInOwnMountNamespace } from './namespace-entry.ts'

const status = await ranInOwnMountNamespace()
if (status === undefined) {
  const { dibMain } = await import('./dib-main.ts')
  process.exitCode = await dibMain(
    process.argv.slice(2),
    basename(process.argv[1] ?? 'disk-image-create', '.js'),
  )
} else {
  process.exitCode = status
}
