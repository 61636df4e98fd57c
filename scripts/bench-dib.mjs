// imagewright against DIB 3.13 (Debian's python3-diskimage-builder) in one run, for
// `npm run bench` (issue #11): `debian-minimal vm` plus a one-line element, Debian 12 bookworm
// (DIB 3.13 cannot build Debian 13: its base element installs software-properties-common, which
// Debian 13 dropped). Each step runs DIB, then imagewright, so both see the same machine load:
// cold (empty image cache), no-op (same build again; imagewright's step cache on), an edit of
// one finalise.d script, then of one post-install.d script, a boot of that image with
// `imagewright boot-test`, an edit of one install.d script, warm (a full build with the image
// cache kept; imagewright's step cache off), and imagewright alone: the cold build again with
// the opt-in initramfs-vm element, in an empty cache of its own. DIB runs with imagewright's
// kpartx/dmsetup stand-ins first on its PATH (this host has no device-mapper).
// BENCH_DIB_STEPS=cold,warm,... runs only those steps (the others print "not measured"); a step
// written BUILDER:STEP (dib:noop, iw:boot) runs for that builder only.
// Everything a build makes lives in one directory below /var/tmp; mounts and loop devices
// below it, and processes left in a build's cgroup, are released after every step and on
// failure or SIGINT/SIGTERM, and the directory is removed.
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { cpus, hostname, loadavg, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { IW_ONLY_STEPS, STEPS, formatTable } from './bench-table.mjs'
import { forwardSignal, runMeasured } from './bench-group.mjs'

const DIB_CREATE = '/usr/bin/disk-image-create'
const RELEASE = 'bookworm'

function writeEditElement(elements, values) {
  for (const [phase, name] of [
    ['install.d', '50-bench-install'],
    ['post-install.d', '50-bench-post-install'],
    ['finalise.d', '50-bench-finalise'],
  ]) {
    const dir = join(elements, 'bench-edit', phase)
    mkdirSync(dir, { recursive: true })
    const script = [
      '#!/bin/bash',
      'if [ "${DIB_DEBUG_TRACE:-0}" -gt 0 ]; then set -x; fi',
      'set -eu -o pipefail',
      `echo ${values[phase] ?? 0} > /etc/${name}`,
      '',
    ]
    writeFileSync(join(dir, name), script.join('\n'))
    chmodSync(join(dir, name), 0o755)
  }
}

function output(command, args) {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
  } catch {
    return 'unknown'
  }
}

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ')

/**
 * Detaches loop devices backed by files below `dir`, then unmounts what is mounted below it.
 * Loops first: once the tmpfs holding an image is lazily unmounted, the loop's backing file no
 * longer shows its path, and the loop and its stand-in partition loop would be left behind.
 */
export function releaseHost(dir, hostTools) {
  const loops =
    JSON.parse(output('losetup', ['-J', '-l']) || '{"loopdevices":[]}').loopdevices ?? []
  for (const loop of loops.filter((l) => (l['back-file'] ?? '').startsWith(`${dir}/`))) {
    // The kpartx stand-in drops the /dev/mapper links and the partition-scanning loop it made;
    // a loop still in use by a mount is detached by the kernel once that mount is gone.
    for (const argv of [
      [join(hostTools, 'kpartx'), '-d', loop.name],
      ['losetup', '-d', loop.name],
    ]) {
      try {
        execFileSync(argv[0], argv.slice(1), { stdio: 'ignore' })
      } catch {
        // Already released.
      }
    }
    process.stderr.write(`bench: detached ${loop.name}, left by a build\n`)
  }
  const mounts = output('findmnt', ['-rn', '-o', 'TARGET'])
    .split('\n')
    .filter((t) => t.startsWith(`${dir}/`))
  for (const target of mounts.sort((a, b) => b.length - a.length)) {
    try {
      execFileSync('umount', [target], { stdio: 'ignore' })
    } catch {
      execFileSync('umount', ['--lazy', target], { stdio: 'ignore' })
    }
    process.stderr.write(`bench: unmounted ${target}, left by a build\n`)
  }
  return mounts.length
}

function hostHeader(results, dibVersion, repo) {
  const cpu = cpus()[0]?.model.replace(/\s+/g, ' ') ?? 'unknown CPU'
  const kvm = existsSync('/dev/kvm') ? 'KVM' : 'no KVM: QEMU software emulation'
  const commit = output('git', ['-C', repo, 'rev-parse', '--short', 'HEAD'])
  return [
    `Measured on ${hostname()}: ${cpu} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ` +
      `Linux ${release()}, ${kvm}. One run per cell. ${whenMeasured(results)}`,
    '',
    `\`debian-minimal vm bench-edit\` (a one-line install.d, post-install.d and finalise.d element), Debian 12 ${RELEASE}, qcow2; ` +
      `DIB ${dibVersion} (python3-diskimage-builder, with imagewright's kpartx/dmsetup/sudo stand-ins: no device-mapper here), ` +
      `imagewright ${commit} on Node ${process.version}.`,
  ]
}

/** When each builder's steps ran and the 1-minute load average as each began (from the runs). */
function whenMeasured(results) {
  const parts = []
  for (const [name, label] of [
    ['dib', 'DIB'],
    ['iw', 'imagewright'],
  ]) {
    const runs = Object.values(results[name] ?? {}).filter((run) => run.at !== undefined)
    if (runs.length === 0) continue
    const times = runs.map((run) => run.at).sort()
    const loads = runs.map((run) => run.load).sort((a, b) => a - b)
    parts.push(
      `${label} ${times[0].slice(0, 16).replace('T', ' ')} – ${times.at(-1).slice(11, 16)} UTC, ` +
        `load average ${loads[0].toFixed(1)} to ${loads.at(-1).toFixed(1)} as its steps began`,
    )
  }
  return parts.length === 0 ? '' : `${parts.join('; ')}.`
}

/**
 * BENCH_DIB_MERGE=FILE: an earlier run's dib.json; its measurements of steps this run did not
 * measure are kept (each carries when it ran and the load then), so DIB can be measured on a
 * quiet machine once and imagewright again after a change.
 */
function mergeEarlier(results) {
  const file = process.env.BENCH_DIB_MERGE
  if (!file) return
  const earlier = JSON.parse(readFileSync(file, 'utf8'))
  for (const name of ['dib', 'iw']) {
    for (const [step, run] of Object.entries(earlier[name] ?? {})) {
      if (results[name][step] === undefined) results[name][step] = run
    }
  }
}

const NOTES = [
  '',
  "Warm: the image cache kept (debootstrap tarball, apt archives). No-op and edits: imagewright's",
  "step cache on; DIB has none and builds everything again. Peak RSS of the builder: GNU time's",
  'maximum resident set size (the largest process of the build), as issue #11 measured it. Whole',
  "tree: the build's own cgroup sampled every 200 ms, PSS summed over its processes (tmpfs and page",
  'cache not counted). Boot: wall time of `imagewright boot-test` (QEMU, BIOS, serial console) on',
  "each builder's image after the finalise.d and post-install.d edits.",
]

/** Runs the sequence; returns the Markdown table (also written to bench-results/dib.md). */
export async function benchDib({ repo }) {
  const steps = (process.env.BENCH_DIB_STEPS ?? STEPS.join(',')).split(',').map((s) => s.trim())
  const unknown = steps.filter((s) => !STEPS.includes(s.replace(/^(dib|iw):/, '')))
  if (unknown.length > 0)
    throw new Error(`BENCH_DIB_STEPS: unknown step "${unknown[0]}" (known: ${STEPS.join(', ')})`)
  if (!existsSync(DIB_CREATE))
    throw new Error(`${DIB_CREATE} is missing: apt-get install python3-diskimage-builder`)
  if (!existsSync('/usr/bin/time'))
    throw new Error('/usr/bin/time (GNU time) is missing: apt-get install time')
  const dibVersion = output('dpkg-query', ['-W', '-f', '${Version}', 'python3-diskimage-builder'])
  const hostTools = join(repo, 'libexec', 'host')
  const iwCreate = join(repo, 'dist', 'cli', 'disk-image-create.js')
  const iw = join(repo, 'dist', 'cli', 'imagewright.js')
  const resultsDir = process.env.BENCH_RESULTS_DIR ?? join(repo, 'bench-results')
  const logs = join(resultsDir, 'dib-logs')
  rmSync(logs, { recursive: true, force: true })
  mkdirSync(logs, { recursive: true })
  const work = mkdtempSync('/var/tmp/iw-bench-dib-')
  const elements = join(work, 'elements')
  const builders = {}
  for (const name of ['dib', 'iw']) {
    for (const sub of ['cache', 'tmp', 'out']) mkdirSync(join(work, name, sub), { recursive: true })
    builders[name] = {
      dir: join(work, name),
      out: join(work, name, 'out'),
      argv: name === 'dib' ? [DIB_CREATE] : [process.execPath, iwCreate],
      env: {
        ...process.env,
        // DIB_NO_TMPFS: with the stand-ins a partition is a loop device over DIB's loop device,
        // and over a file in tmpfs it refuses discard once written, so DIB's fstrim fails;
        // on disk it works (imagewright builds on disk too).
        ...(name === 'dib' ? { PATH: `${hostTools}:${process.env.PATH}`, DIB_NO_TMPFS: '1' } : {}),
        ELEMENTS_PATH: elements,
        DIB_IMAGE_CACHE: join(work, name, 'cache'),
        TMPDIR: join(work, name, 'tmp'),
        DIB_RELEASE: RELEASE,
        DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1',
        DIB_DEBOOTSTRAP_CACHE: '1',
        // DIB 3.13's default security suite ("bookworm/updates") no longer exists.
        DIB_DEBIAN_SECURITY_MIRROR: 'http://security.debian.org/debian-security',
        DIB_DEBIAN_SECURITY_SUBPATH: '-security',
        OVERWRITE_OLD_IMAGE: '1',
        IMAGEWRIGHT_NO_CACHE: '0',
      },
    }
  }
  const results = { dib: {}, iw: {} }
  let table
  let stopping
  const onSignal = (signal) => {
    stopping = signal
    forwardSignal('SIGTERM')
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal)
  try {
    writeEditElement(elements, {})
    const selected = (name, step) =>
      (name === 'iw' || !IW_ONLY_STEPS.includes(step)) &&
      (steps.includes(step) || steps.includes(`${name}:${step}`))
    for (const step of STEPS.filter((s) => selected('dib', s) || selected('iw', s))) {
      if (step === 'finalise') writeEditElement(elements, { 'finalise.d': 1 })
      if (step === 'postinstall')
        writeEditElement(elements, { 'finalise.d': 1, 'post-install.d': 1 })
      if (step === 'install')
        writeEditElement(elements, { 'finalise.d': 1, 'post-install.d': 1, 'install.d': 1 })
      for (const [name, builder] of Object.entries(builders)) {
        if (stopping) throw new Error(`bench: stopped by ${stopping}`)
        if (!selected(name, step)) continue
        // coldvm: the cold build again with the opt-in lean initramfs, in an empty cache of its own.
        const lean = step === 'coldvm'
        const image = join(builder.out, lean ? 'img-vm.qcow2' : 'img.qcow2')
        const boot = step === 'boot'
        if (boot && !existsSync(image)) {
          results[name][step] = { error: 'no image to boot' }
          continue
        }
        const argv = boot
          ? [process.execPath, iw, 'boot-test', '--quiet', '--timeout', '900', image]
          : [
              ...builder.argv,
              '-o',
              lean ? 'img-vm' : 'img',
              'debian-minimal',
              'vm',
              'bench-edit',
              ...(lean ? ['initramfs-vm'] : []),
            ]
        const env =
          step === 'warm'
            ? { ...builder.env, IMAGEWRIGHT_NO_CACHE: '1' }
            : lean
              ? { ...builder.env, DIB_IMAGE_CACHE: join(builder.dir, 'cache-vm') }
              : builder.env
        process.stderr.write(`bench: ${name} ${step} (load ${load()})\n`)
        const began = { at: new Date().toISOString(), load: loadavg()[0] }
        try {
          const run = await runMeasured(argv, {
            env,
            cwd: builder.out,
            logPath: join(logs, `${name}-${step}.log`),
          })
          const error = stopping
            ? `not measured (run stopped by ${stopping})`
            : run.code !== 0
              ? `failed (exit ${run.code})`
              : !boot && !existsSync(image)
                ? 'no qcow2 written'
                : undefined
          results[name][step] = {
            ...began,
            ...run,
            ...(error ? { error } : {}),
            ...(boot
              ? {}
              : { sizeMiB: existsSync(image) ? statSync(image).size / 2 ** 20 : undefined }),
          }
          process.stderr.write(
            `bench: ${name} ${step}: ${error ?? 'ok'}, ${run.seconds.toFixed(1)} s, ${run.peakTreeMB.toFixed(0)} MB${run.strays ? `, stopped ${run.strays} leftover process(es)` : ''}\n`,
          )
        } finally {
          releaseHost(builder.dir, hostTools)
        }
      }
    }
  } finally {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(signal, onSignal)
    releaseHost(work, hostTools)
    // Never recursively delete through a mount (DIB binds /dev, /proc and /sys into its chroot).
    if (
      output('findmnt', ['-rn', '-o', 'TARGET'])
        .split('\n')
        .some((t) => t.startsWith(`${work}/`))
    ) {
      process.stderr.write(`bench: ${work} still has mounts below it; not removed\n`)
    } else {
      execFileSync('rm', ['-rf', '--one-file-system', work])
    }
    // What was measured is kept, in the table too ("not measured" for the rest), even when a
    // step failed or the run was stopped.
    mergeEarlier(results)
    writeFileSync(join(resultsDir, 'dib.json'), `${JSON.stringify(results, null, 2)}\n`)
    table = formatTable(results, hostHeader(results, dibVersion, repo)) + NOTES.join('\n') + '\n'
    writeFileSync(join(resultsDir, 'dib.md'), table)
  }
  return table
}
