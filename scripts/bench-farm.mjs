// Farm throughput for `npm run bench`: a throwaway PostgreSQL (initdb in a temporary directory,
// a unix socket only, run as the "postgres" user), BENCH_FARM_BUILDS fixture builds (host-os,
// tar) queued at once, then drained by one worker and again by two. Reports builds per hour
// from the first start to the last end. Needs root and the Debian postgresql package.
import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const PG_BIN = '/usr/lib/postgresql/15/bin'

async function startPostgres(base) {
  const dir = join(base, 'pg')
  mkdirSync(dir)
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }))
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }))
  chownSync(dir, uid, gid)
  const asPostgres = [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--']
  execFileSync(
    'setpriv',
    [
      ...asPostgres,
      join(PG_BIN, 'initdb'),
      '-D',
      join(dir, 'data'),
      '--auth=trust',
      '-U',
      'postgres',
      '--no-sync',
    ],
    { stdio: 'ignore' },
  )
  const server = spawn(
    'setpriv',
    [
      ...asPostgres,
      join(PG_BIN, 'postgres'),
      '-D',
      join(dir, 'data'),
      '-k',
      dir,
      '-c',
      'listen_addresses=',
      '-c',
      'fsync=off',
    ],
    { stdio: 'ignore' },
  )
  const kill = () => {
    try {
      server.kill('SIGKILL')
    } catch {
      /* gone */
    }
  }
  process.on('exit', kill)
  while (!existsSync(join(dir, '.s.PGSQL.5432'))) {
    if (server.exitCode !== null) throw new Error('postgres did not start')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const exited = new Promise((resolve) => server.once('exit', resolve))
  return {
    url: `postgresql://postgres@/postgres?host=${encodeURIComponent(dir)}`,
    stop: async () => {
      server.kill('SIGINT')
      await exited
      process.off('exit', kill)
    },
  }
}

function run(iw, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [iw, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.stderr.on('data', (d) => {
      err += d
    })
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)),
    )
  })
}

async function drain(iw, db, workerCount, builds, work, hostOs) {
  const env = {
    IMAGEWRIGHT_DB: db,
    TMPDIR: join(work, 'tmp'),
    IMAGEWRIGHT_STATE_DIR: join(work, 'state'),
    DIB_NO_TIMESTAMP: '1',
  }
  const ids = []
  for (let i = 0; i < builds; i++) {
    ids.push(
      (
        await run(iw, ['submit', '--', '-n', '-t', 'tar', '-o', `b${i}`, 'host-os'], {
          ...env,
          ELEMENTS_PATH: hostOs,
        })
      ).trim(),
    )
  }
  const workers = []
  for (let i = 0; i < workerCount; i++) {
    const child = spawn(
      process.execPath,
      [
        iw,
        'worker',
        '--artifacts',
        join(work, 'store'),
        '--poll',
        '1',
        '--name',
        `bench-${workerCount}-${i}`,
      ],
      { env: { ...process.env, ...env }, stdio: 'ignore' },
    )
    workers.push(new Promise((resolve) => child.once('exit', resolve)))
    workers[i].child = child
  }
  let jobs
  for (;;) {
    jobs = JSON.parse(await run(iw, ['jobs', '--json', '--limit', String(builds)], env))
    if (jobs.every((j) => ['completed', 'failed', 'cancelled'].includes(j.state))) break
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  for (const w of workers) w.child.kill('SIGTERM')
  await Promise.all(workers)
  const failed = jobs.filter((j) => j.state !== 'completed')
  if (failed.length > 0)
    throw new Error(`farm bench: ${failed.length} build(s) did not complete: ${failed[0].error}`)
  const first = Math.min(...jobs.map((j) => Date.parse(j.startedAt)))
  const last = Math.max(...jobs.map((j) => Date.parse(j.finishedAt)))
  return { seconds: (last - first) / 1000, perHour: (builds * 3600 * 1000) / (last - first) }
}

/** Rows for the bench table: one per worker count. */
export async function benchFarm({ iw, hostOs, builds }) {
  const work = mkdtempSync('/var/tmp/iw-bench-farm-')
  // The server runs as "postgres", which must reach its directory below this one.
  chmodSync(work, 0o755)
  mkdirSync(join(work, 'tmp'))
  const rows = []
  let server
  try {
    server = await startPostgres(work)
    for (const workerCount of [1, 2]) {
      const result = await drain(iw, server.url, workerCount, builds, work, hostOs)
      rows.push(
        `| ${builds} host-os builds (tar), ${workerCount} worker(s) | ${result.seconds.toFixed(1)} | ${result.perHour.toFixed(0)} |`,
      )
      process.stdout.write(`${rows.at(-1)}\n`)
    }
  } finally {
    await server?.stop()
    rmSync(work, { recursive: true, force: true })
  }
  return rows
}
