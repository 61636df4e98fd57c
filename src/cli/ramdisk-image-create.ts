#!/usr/bin/env node
// Executable for `ramdisk-image-create`: DIB's ramdisk builder is not implemented yet, and says so.
import { dibMain } from './dib-main.ts'

process.exitCode = await dibMain(process.argv.slice(2), 'ramdisk-image-create')
