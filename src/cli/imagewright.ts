#!/usr/bin/env node
// Executable for `imagewright`: subcommands around the same build entry point.
import { imagewrightMain } from './imagewright-main.ts'

process.exitCode = await imagewrightMain(process.argv.slice(2))
