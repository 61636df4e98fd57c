#!/usr/bin/env node
// Executable for `disk-image-create`.
import { basename } from 'node:path'
import { dibMain } from './dib-main.ts'

process.exitCode = await dibMain(process.argv.slice(2), basename(process.argv[1] ?? 'disk-image-create', '.js'))
