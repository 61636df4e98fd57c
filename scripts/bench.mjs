#!/usr/bin/env node
// `npm run bench`: times representative builds and records peak memory, then writes a table to
// bench-results/bench.md. Numbers, not pass/fail: these machines are noisy, so targets are read
// from the table rather than asserted in tests. Needs root and `npm run build` first.
// BENCH_DEBIAN=1 adds a full debian-minimal vm build (uses the shared test cache).
// First, imagewright and DIB 3.13 side by side (bench-dib.mjs, about 40 minutes): BENCH_DIB=0
// skips it, BENCH_ONLY=dib runs only it, BENCH_DIB_STEPS picks its steps.
import { spawn } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { benchFarm } from './bench-farm.mjs'
import { benchCache } from './bench-cache.mjs'
import { benchDib } from './bench-dib.mjs'

const repo = join(import.meta.dirname, '..')
const dib = join(repo, 'dist', 'cli', 'disk-image-create.js')
const iw = join(repo, 'dist', 'cli', 'imagewright.js')
const ramdisk = join(repo, 'dist', 'cli', 'ramdisk-image-create.js')
const testElements = (element) => `${join(repo, 'elements', element, 'test-elements')}:${hostOs}`
const hostOs = join(repo, 'test', 'fixtures', 'elements')
const runs = Number(process.env.BENCH_RUNS ?? 3)

function peakKiB(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) : 0
  } catch {
    return 0
  }
}

function measure(args, env, cwd) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    // The step cache is measured on its own rows (bench-cache.mjs): here every build runs.
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...process.env, IMAGEWRIGHT_NO_CACHE: '1', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let peak = 0
    let stderr = ''
    const timer = setInterval(() => {
      peak = Math.max(peak, peakKiB(child.pid))
    }, 20)
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('close', (code) => {
      clearInterval(timer)
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`))
      else resolve({ seconds: (performance.now() - started) / 1000, peakMiB: peak / 1024 })
    })
  })
}

const cases = [
  { name: 'plan debian-minimal vm', args: [iw, 'plan', 'debian-minimal', 'vm'] },
  {
    name: 'host-os build, tar',
    args: [dib, '-n', '-t', 'tar', '-o', 'b1', 'host-os'],
    env: { ELEMENTS_PATH: hostOs },
  },
  {
    name: 'host-os build, raw+qcow2',
    args: [dib, '-n', '-t', 'raw,qcow2', '-o', 'b2', 'host-os'],
    env: { ELEMENTS_PATH: hostOs },
  },
]
// Ramdisks and ISOs of the offline test elements (host-os, the host's busybox, a stand-in kernel).
cases.push(
  {
    name: 'ramdisk (busybox, host-os)',
    args: [ramdisk, '-o', 'r1', 'build-succeeds'],
    env: { ELEMENTS_PATH: testElements('ramdisk') },
    outputs: ['r1.initramfs'],
  },
  {
    name: 'ramdisk + iso (host-os)',
    args: [ramdisk, '-o', 'r2', 'iso', 'ramdisk-iso'],
    env: { ELEMENTS_PATH: testElements('iso') },
    outputs: ['r2.iso'],
  },
)
if (process.env.BENCH_DEBIAN === '1') {
  const cached = {
    DIB_IMAGE_CACHE: '/var/tmp/imagewright-test-cache',
    DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1',
  }
  cases.push(
    {
      name: 'debian-minimal ramdisk + iso (cached root)',
      args: [ramdisk, '-o', 'deb-rd', 'debian-minimal', 'iso'],
      env: cached,
      runs: 1,
      outputs: ['deb-rd.initramfs', 'deb-rd.iso'],
    },
    {
      name: 'debian-minimal rootfs-ramdisk (cached root)',
      args: [ramdisk, '--ramdisk-element', 'rootfs-ramdisk', '-o', 'deb-ipa', 'debian-minimal'],
      env: cached,
      runs: 1,
      outputs: ['deb-ipa.initramfs'],
    },
    {
      name: 'debian-minimal dracut-ramdisk (cached root)',
      args: [ramdisk, '--ramdisk-element', 'dracut-ramdisk', '-o', 'deb-drd', 'debian-minimal'],
      env: cached,
      runs: 1,
      outputs: ['deb-drd.initramfs', 'deb-drd.kernel'],
    },
    {
      name: 'debian-minimal vm baremetal iso (cached root)',
      args: [dib, '-o', 'deb-bm', 'debian-minimal', 'vm', 'baremetal', 'iso'],
      env: cached,
      runs: 1,
      outputs: ['deb-bm.qcow2', 'deb-bm.initrd', 'deb-bm-boot.iso'],
    },
  )
}
if (process.env.BENCH_DEBIAN === '1') {
  cases.push({
    name: 'debian-minimal vm (cached root), qcow2',
    args: [dib, '-o', 'debian', 'debian-minimal', 'vm'],
    env: {
      DIB_IMAGE_CACHE: '/var/tmp/imagewright-test-cache',
      DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1',
    },
    runs: 1,
  })
}

const dibTable =
  process.env.BENCH_DIB === '0' || process.env.BENCH_ONLY === 'cache'
    ? ''
    : await benchDib({ repo })
// BENCH_ONLY=cache: only the step-cache rows; BENCH_ONLY=dib: only the side-by-side table.
if (process.env.BENCH_ONLY === 'cache' || process.env.BENCH_ONLY === 'dib') cases.length = 0
const work = mkdtempSync('/var/tmp/iw-bench-')
const rows = []
try {
  for (const c of cases) {
    const results = []
    for (let i = 0; i < (c.runs ?? runs); i++)
      results.push(await measure(c.args, { DIB_NO_TIMESTAMP: '1', ...c.env }, work))
    const sizes = (c.outputs ?? [])
      .filter((f) => existsSync(join(work, f)))
      .map(
        (f) =>
          `${f.replace(/^[^.]*\./, '')} ${(statSync(join(work, f)).size / 2 ** 20).toFixed(1)}`,
      )
    const seconds = results.map((r) => r.seconds).sort((a, b) => a - b)
    const median = seconds[Math.floor(seconds.length / 2)]
    const peak = Math.max(...results.map((r) => r.peakMiB))
    rows.push(
      `| ${c.name} | ${results.length} | ${median.toFixed(2)} | ${seconds[0].toFixed(2)} | ${peak.toFixed(0)} | ${sizes.join(', ')} |`,
    )
    process.stdout.write(`${rows.at(-1)}\n`)
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
// The step cache (docs/cache.md); BENCH_CACHE=0 skips it.
const cacheRows =
  process.env.BENCH_CACHE === '0' || process.env.BENCH_ONLY === 'dib'
    ? []
    : await benchCache({ dib, hostOs, measure })
// Farm throughput (docs/farm.md); BENCH_FARM_BUILDS=0 skips it.
const farmBuilds =
  process.env.BENCH_ONLY === 'cache' || process.env.BENCH_ONLY === 'dib'
    ? 0
    : Number(process.env.BENCH_FARM_BUILDS ?? 4)
const farmRows = farmBuilds > 0 ? await benchFarm({ iw, hostOs, builds: farmBuilds }) : []
const table = [
  `# imagewright benchmark (${new Date().toISOString()}, ${process.version})`,
  '',
  ...(dibTable === ''
    ? []
    : ['## imagewright and DIB 3.13, side by side', '', dibTable, '## imagewright alone', '']),
  ...(rows.length === 0
    ? []
    : [
        '| case | runs | median s | best s | peak RSS MiB (CLI process) | outputs MiB |',
        '| --- | --- | --- | --- | --- | --- |',
        ...rows,
        '',
      ]),
  ...(cacheRows.length === 0
    ? []
    : ['| step cache: build | seconds | peak RSS MiB |', '| --- | --- | --- |', ...cacheRows, '']),
  ...(farmRows.length === 0
    ? []
    : [
        '| farm: queued builds drained by | seconds | builds per hour |',
        '| --- | --- | --- |',
        ...farmRows,
        '',
      ]),
].join('\n')
mkdirSync(join(repo, 'bench-results'), { recursive: true })
writeFileSync(join(repo, 'bench-results', 'bench.md'), table)
process.stdout.write(`\nWrote bench-results/bench.md\n`)
