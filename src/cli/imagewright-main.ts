// `imagewright` subcommands. `build` takes disk-image-create's options unchanged.
import { Command, CommanderError } from '@commander-js/extra-typings'
import { blockDeviceCommand } from './commands/block-device.ts'
import { runBootTest } from './commands/boot-test.ts'
import { cleanupCommand } from './commands/cleanup.ts'
import { addCustomizeCommand } from './commands/customize.ts'
import { doctorCommand } from './commands/doctor.ts'
import { addFarmCommands } from './commands/farm.ts'
import { addCacheCommands } from './commands/cache.ts'
import { usageErrorFromCommander } from './commander-error.ts'
import { planCommand } from './commands/plan.ts'
import { reportCommand } from './commands/report.ts'
import { dibMain, packageVersion } from './dib-main.ts'
import { examplesHelp } from './help-examples.ts'
import { exitCodeOf, renderError } from './render-error.ts'

type Outcome = { value: Promise<number> }

function program(outcome: Outcome): Command {
  const root = new Command('imagewright')
    .description('Build bootable disk images from diskimage-builder elements, and prove they boot')
    .version(packageVersion())
    .exitOverride()
    // Errors are rendered like every other failure (see imagewrightMain), not by commander.
    .configureOutput({ outputError: () => undefined })
    .addHelpText(
      'after',
      examplesHelp([
        [
          'imagewright build -o debian debian-minimal vm',
          'build debian.qcow2 (the same as disk-image-create)',
        ],
        ['imagewright plan debian-minimal vm', 'see what that build would run, without building'],
        [
          'imagewright boot-test debian.qcow2',
          'boot the image under QEMU and wait for a login prompt',
        ],
        ['imagewright doctor', 'check what this host can build and boot'],
        ['imagewright <command> --help', 'the options and examples of one command'],
      ]),
    )
  root
    .command('build')
    .description(
      'Build an image; takes the options of disk-image-create (see "imagewright build --help")',
    )
  root
    .command('plan')
    .description(
      'Show the resolved elements, phase scripts, environment and block devices of a build without building (takes disk-image-create options; --json for machines)',
    )
  root
    .command('cleanup')
    .description('Release mounts, loop devices and processes left by builds that were killed')
    .option('--force', 'also clean up after builds whose process still runs')
    .addHelpText(
      'after',
      examplesHelp([
        [
          'imagewright cleanup',
          'unmount, detach and stop what builds killed with kill -9 left behind',
        ],
        [
          'IMAGEWRIGHT_STATE_DIR=/srv/iw/state imagewright cleanup',
          'the same for builds that kept their journals elsewhere',
        ],
      ]),
    )
    .action((opts) => {
      outcome.value = cleanupCommand({ force: opts.force ?? false })
    })
  root
    .command('boot-test')
    .description(
      'Boot IMAGE (a disk, or an ISO as a CD-ROM) or a kernel under QEMU and pass when a login prompt (or --marker) appears',
    )
    .argument('[image]', 'disk image (qcow2, raw, vmdk, vhd, vhdx) or ISO image')
    .option(
      '--kernel <file>',
      'boot this kernel directly (a disk IMAGE is attached too, e.g. as root)',
    )
    .option('--initrd <file>', 'initramfs for --kernel')
    .option(
      '--append <args>',
      'kernel command line for --kernel (e.g. "console=ttyS0 root=LABEL=cloudimg-rootfs")',
    )
    .option('--cdrom <iso>', 'boot this ISO image from a CD-ROM drive, with IMAGE as its disk')
    .option(
      '--attach-disk <kind:file>',
      'attach FILE as a further disk behind its own KIND of controller: virtio-blk, virtio-scsi, nvme, ahci, piix-ide, megasas, lsi, pvscsi (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--uefi', 'boot with UEFI firmware (OVMF)')
    .option(
      '--bios',
      'boot with BIOS firmware (SeaBIOS); the default unless the disk has 4096-byte sectors',
    )
    .option('--kvm', 'use KVM instead of software emulation (TCG)')
    .option('--timeout <seconds>', 'give up when the marker has not appeared (default 300)')
    .option('--marker <regex>', 'console text that means success (default: a login prompt)')
    .option('--user <name>', 'log in on the serial console as this user')
    .option('--password <password>', 'password for --user')
    .option(
      '--command <cmd>',
      'run this command after logging in, or at the --marker prompt (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--disk-size <size>', 'show the guest a disk of this size (e.g. 4GiB), to test growing')
    .option(
      '--sector-size <bytes>',
      'show the disk with 512 or 4096-byte sectors (default: as its GPT says)',
    )
    .option('--memory <MiB>', 'guest memory (default 1024)')
    .option('--console-log <file>', 'write the whole console transcript here')
    .option('--quiet', 'do not echo the console')
    .addHelpText(
      'after',
      examplesHelp([
        [
          'imagewright boot-test debian.qcow2',
          'pass when a login prompt appears on the serial console',
        ],
        [
          "imagewright boot-test --user devuser --password letmein-42 --command 'findmnt /' dev.qcow2",
          'log in and run a command (the devuser element makes the user)',
        ],
        [
          'imagewright boot-test --uefi --console-log boot.log efi.qcow2',
          'boot with OVMF and keep the whole console transcript',
        ],
        [
          'imagewright boot-test --disk-size 8GiB grow.qcow2',
          'show the guest a bigger disk, to test growroot',
        ],
      ]),
    )
    .action((image, opts) => {
      outcome.value = runBootTest(image, opts)
    })
  root
    .command('report')
    .description(
      'Write the HTML report (timeline, slowest scripts, warnings, artifacts, resources) of a build from its --json-log file',
    )
    .argument('<events>', 'JSON-lines event log written by --json-log or IMAGEWRIGHT_JSON_LOG')
    .option('-o, --output <file>', 'write the HTML here instead of to stdout')
    .addHelpText(
      'after',
      examplesHelp([
        [
          'disk-image-create --json-log build.jsonl -o debian debian-minimal vm',
          'first, keep the events of a build',
        ],
        [
          'imagewright report build.jsonl -o build.html',
          'then write its report, one self-contained HTML file',
        ],
      ]),
    )
    .action((events, opts) => {
      outcome.value = Promise.resolve(reportCommand(events, opts))
    })
  root
    .command('block-device')
    .description(
      "Run one step of DIB's dib-block-device on a build dir: init, getval SYMBOL, create, writefstab, umount, cleanup or delete",
    )
    .argument('<command>', 'init | getval | create | writefstab | umount | cleanup | delete')
    .argument(
      '[symbol...]',
      'for getval: root-label, root-fstype, boot-label, mount-points, image-path, image-block-device or image-block-devices',
    )
    .option(
      '--params <file>',
      'DIB block-device params YAML (default: $DIB_BLOCK_DEVICE_PARAMS_YAML)',
    )
    .option('-v, --verbose', 'show the commands run and the resources taken and released')
    .addHelpText('after', BLOCK_DEVICE_HELP)
    .addHelpText(
      'after',
      examplesHelp([
        [
          'imagewright block-device --params params.yaml init',
          'read and check the layout in params.yaml',
        ],
        [
          'imagewright block-device --params params.yaml create',
          'make, partition, format and mount the disk',
        ],
        [
          'imagewright block-device --params params.yaml getval image-block-device',
          'print the loop device it is on',
        ],
        ['imagewright block-device --params params.yaml cleanup', 'unmount, detach and forget it'],
      ]),
    )
    .action((command, symbol, opts) => {
      outcome.value = blockDeviceCommand(command, symbol, opts)
    })
  root
    .command('doctor')
    .description(
      'Check what this host can build and boot: root, loop devices, mkfs tools, QEMU, KVM, space; says what each problem limits and the package that fixes it',
    )
    .option('--json', 'print the checks as JSON')
    .addHelpText(
      'after',
      examplesHelp([
        ['imagewright doctor', 'one line per check; exits 8 when no build can work here'],
        [
          'sudo imagewright doctor',
          'as root it also attaches a partitioned loop device to prove partition scanning',
        ],
        [
          'imagewright doctor --json',
          'the same checks for a script: status, found, limits, fix, packages',
        ],
      ]),
    )
    .action((opts) => {
      outcome.value = doctorCommand({ json: opts.json ?? false })
    })
  addFarmCommands(root, (work) => {
    outcome.value = work
  })
  addCacheCommands(root, (work) => {
    outcome.value = work
  })
  addCustomizeCommand(root, (work) => {
    outcome.value = work
  })
  return root
}

const BLOCK_DEVICE_HELP = `
Params keys (as disk-image-create writes them): config, build-dir, image-dir, mount-base,
root-fs-type, root-label, image-size, root-fs-opts. State is kept in
<build-dir>/states/block-device/ between the commands:
  init        read and check the config, write config.json
  getval SYM  print a value (config symbols after init, image-* after create)
  create      create, partition, format and mount; left attached for the next commands
  writefstab  write <build-dir>/built/etc/fstab and print its path
  umount      unmount and detach what create left
  cleanup     umount if needed, then remove the state
  delete      like cleanup, and remove the image files too`

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
      process.stderr.write(
        renderError(usageErrorFromCommander(error.message, 'imagewright'), false),
      )
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
