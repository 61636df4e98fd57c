// `imagewright` subcommands. `build` takes disk-image-create's options unchanged.
import { Command, CommanderError } from '@commander-js/extra-typings'
import { runBootTest } from './commands/boot-test.ts'
import { cleanupCommand } from './commands/cleanup.ts'
import { usageErrorFromCommander } from './commander-error.ts'
import { planCommand } from './commands/plan.ts'
import { dibMain, packageVersion } from './dib-main.ts'
import { exitCodeOf, renderError } from './render-error.ts'

type Outcome = { value: Promise<number> }

function program(outcome: Outcome): Command {
  const root = new Command('imagewright')
    .description('Build bootable disk images from diskimage-builder elements, and prove they boot')
    .version(packageVersion())
    .exitOverride()
    // Errors are rendered like every other failure (see imagewrightMain), not by commander.
    .configureOutput({ outputError: () => undefined })
  root
    .command('build')
    .description('Build an image; takes the options of disk-image-create (see "imagewright build --help")')
  root
    .command('plan')
    .description('Show the resolved elements, phase scripts, environment and block devices of a build without building (takes disk-image-create options; --json for machines)')
  root
    .command('cleanup')
    .description('Release mounts, loop devices and processes left by builds that were killed')
    .option('--force', 'also clean up after builds whose process still runs')
    .action((opts) => {
      outcome.value = cleanupCommand({ force: opts.force ?? false })
    })
  root
    .command('boot-test')
    .description('Boot IMAGE under QEMU and pass when a login prompt (or --marker) appears')
    .argument('<image>', 'disk image: qcow2, raw, vmdk, vhd or vhdx')
    .option('--uefi', 'boot with UEFI firmware (OVMF) instead of BIOS (SeaBIOS)')
    .option('--kvm', 'use KVM instead of software emulation (TCG)')
    .option('--timeout <seconds>', 'give up when the marker has not appeared (default 300)')
    .option('--marker <regex>', 'console text that means success (default: a login prompt)')
    .option('--user <name>', 'log in on the serial console as this user')
    .option('--password <password>', 'password for --user')
    .option('--command <cmd>', 'run this command after logging in (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--disk-size <size>', 'show the guest a disk of this size (e.g. 4GiB), to test growing')
    .option('--memory <MiB>', 'guest memory (default 1024)')
    .option('--console-log <file>', 'write the whole console transcript here')
    .option('--quiet', 'do not echo the console')
    .action((image, opts) => {
      outcome.value = runBootTest(image, opts)
    })
  return root
}

export async function imagewrightMain(argv: readonly string[]): Promise<number> {
  // `build` hands everything after it to the DIB parser untouched.
  if (argv[0] === 'build') return dibMain(argv.slice(1), 'imagewright build')
  if (argv[0] === 'plan') return guarded(() => planCommand(argv.slice(1)))
  const outcome: Outcome = { value: Promise.resolve(0) }
  try {
    const root = program(outcome)
    if (argv.length === 0) {
      root.outputHelp()
      return 2
    }
    await root.parseAsync([...argv], { from: 'user' })
    return await outcome.value
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0
      process.stderr.write(renderError(usageErrorFromCommander(error.message, 'imagewright'), false))
      return 2
    }
    process.stderr.write(renderError(error, false))
    return exitCodeOf(error)
  }
}

async function guarded(work: () => Promise<number>): Promise<number> {
  try {
    return await work()
  } catch (error) {
    process.stderr.write(renderError(error, false))
    return exitCodeOf(error)
  }
}
