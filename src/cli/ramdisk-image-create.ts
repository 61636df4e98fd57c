#!/usr/bin/env node
// Executable for `ramdisk-image-create`: DIB's ramdisk builder, the same build with RAMDISK_ELEMENT in front.
import { ranInOwnMountNamespace } from './namespace-entry.ts'

const status = await ranInOwnMountNamespace()
if (status === undefined) {
  const { dibMain } = await import('./dib-main.ts')
  process.exitCode = await dibMain(process.argv.slice(2), 'ramdisk-image-create')
} else {
  process.exitCode = status
}
