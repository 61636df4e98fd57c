// The build-farm subcommands of `imagewright` (docs/farm.md): worker, submit, jobs, logs,
// cancel, fetch. Each hands its promise of an exit code to `run`.
import type { Command } from '@commander-js/extra-typings'
import { examplesHelp } from '../help-examples.ts'
import { dbOption, keyOption } from './farm-options.ts'
import { submitCommand } from './farm-submit.ts'
import { cancelCommand, fetchCommand, jobsCommand, showBuild } from './farm-view.ts'
import { WORKER_HELP, workerCommand } from './farm-worker.ts'

export function addFarmCommands(root: Command, run: (work: Promise<number>) => void): void {
  root
    .command('worker')
    .description(
      'Take build jobs from the farm database and run them (as root), events to the database, outputs to the artefact store',
    )
    .addOption(dbOption())
    .option('--concurrency <n>', 'builds at once (default 1)')
    .option(
      '--artifacts <dir>',
      'artefact store, shared by the workers (default /var/lib/imagewright/artifacts)',
    )
    .option('--name <name>', 'worker name in the database (default HOST/PID)')
    .option(
      '--lease <seconds>',
      'a worker silent this long loses its builds to the others (default 60)',
    )
    .option('--poll <seconds>', 'how often an idle worker asks for a job (default 2)')
    .addOption(keyOption())
    .addHelpText(
      'after',
      WORKER_HELP +
        '\n' +
        examplesHelp([
          [
            'imagewright worker --db postgres:///imagewright?host=/run/postgresql',
            'take builds one at a time until stopped',
          ],
          [
            'imagewright worker --db postgres:///imagewright?host=/run/postgresql --concurrency 2 --artifacts /srv/images',
            'two builds at once, outputs to a shared directory',
          ],
        ]),
    )
    .action((opts) => run(workerCommand(opts)))
  root
    .command('submit')
    .description(
      'Queue a build on the farm and print its id: imagewright submit --db URL [--wait] -- [disk-image-create options] ELEMENTS',
    )
    .argument('[dib-args...]', 'disk-image-create options and elements, after "--"')
    .addOption(dbOption())
    .option('--wait', 'follow the build and exit as it did')
    .option('--priority <n>', 'higher runs first (default 0)')
    .option(
      '--retries <n>',
      'attempts after the first when a build fails or its worker dies (default 2)',
    )
    .option(
      '--env <name>',
      'also send this environment variable (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .addOption(keyOption())
    .addHelpText(
      'after',
      examplesHelp([
        [
          'imagewright submit --db postgres:///imagewright?host=/run/postgresql -- -o debian debian-minimal vm',
          'queue a build and print its id',
        ],
        [
          'ELEMENTS_PATH=~/elements imagewright submit --db postgres:///imagewright?host=/run/postgresql --wait -- -o app debian-minimal vm my-app',
          'send local elements with the job and follow it to the end',
        ],
      ]),
    )
    .action((args, opts) => run(submitCommand(args, opts)))
  root
    .command('jobs')
    .description("List the farm's builds: id, state, worker, phase or attempts, error, outputs")
    .addOption(dbOption())
    .option('--watch', 'keep listing, every time something changes')
    .option('--json', 'as JSON')
    .option('--limit <n>', 'newest N builds (default 50)')
    .addHelpText(
      'after',
      examplesHelp([
        [
          'imagewright jobs --db postgres:///imagewright?host=/run/postgresql',
          'the newest builds, one line each',
        ],
        [
          'imagewright jobs --db postgres:///imagewright?host=/run/postgresql --json --limit 10',
          'the same for a script',
        ],
      ]),
    )
    .action((opts) => run(jobsCommand(opts)))
  root
    .command('logs')
    .description("Print a farm build's events as the build printed them")
    .argument('<job>', 'build id (from submit or jobs)')
    .addOption(dbOption())
    .option('-f, --follow', 'keep printing until the build ends, then exit as it did')
    .addHelpText(
      'after',
      examplesHelp([
        [
          'imagewright logs --db postgres:///imagewright?host=/run/postgresql --follow JOB',
          'print the build as it goes and exit as it did',
        ],
      ]),
    )
    .action((job, opts) => run(showBuild(opts.db, job, { follow: opts.follow ?? false })))
  root
    .command('cancel')
    .description(
      'Cancel a farm build; a running one is stopped and its mounts, loop devices and processes released',
    )
    .argument('<job>', 'build id')
    .addOption(dbOption())
    .option('--timeout <seconds>', 'how long to wait for the worker to confirm (default 120)')
    .addHelpText(
      'after',
      examplesHelp([
        [
          'imagewright cancel --db postgres:///imagewright?host=/run/postgresql JOB',
          'stop the build and wait until its worker released its disk',
        ],
      ]),
    )
    .action((job, opts) => run(cancelCommand(job, opts)))
  root
    .command('fetch')
    .description(
      "Copy a finished farm build's outputs (images, and the checksums, SBOMs and manifests beside them) from the artefact store",
    )
    .argument('<job>', 'build id')
    .addOption(dbOption())
    .option('--artifacts <dir>', 'artefact store (default /var/lib/imagewright/artifacts)')
    .option('-o, --output <dir>', 'copy into this directory (default .)')
    .addHelpText(
      'after',
      examplesHelp([
        [
          'imagewright fetch --db postgres:///imagewright?host=/run/postgresql --artifacts /srv/images -o out JOB',
          "copy the build's images and the files beside them into ./out",
        ],
      ]),
    )
    .action((job, opts) => run(fetchCommand(job, opts)))
}
