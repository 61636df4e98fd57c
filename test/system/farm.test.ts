// The build farm end to end, on a PostgreSQL the test starts itself: two workers as separate
// processes, four builds (three fast host-os fixture builds and a real Debian build that boots
// under QEMU), one worker killed with -9 in the middle of a build (the build is retried on
// another worker after the lease; the restarted worker releases what the killed one left), one
// build cancelled while it runs, one refused at once because an element does not exist. At the
// end no mount, loop device, build process, worker or postgres of the test is left.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  IW_BIN,
  REPO,
  TEST_CACHE,
  hostSnapshot,
  runCli,
  type HostSnapshot,
} from '../helpers/cli.ts'
import { hookScript, hostOsEnv, writeTestElement } from '../helpers/host-os-work.ts'
import { startPostgres, type TempPostgres } from '../helpers/postgres.ts'

let work: string
let before: HostSnapshot
let server: TempPostgres
let pool: pg.Pool
const workers = new Map<string, Worker>()

interface Worker {
  readonly child: ChildProcess
  readonly log: () => string
  readonly exited: Promise<number | null>
}

const script = hookScript
const writeElement = (name: string, files: Record<string, string>): void =>
  writeTestElement(work, name, files)

function startWorker(name: string): Worker {
  const child = spawn(
    process.execPath,
    [
      IW_BIN,
      'worker',
      '--name',
      name,
      '--artifacts',
      join(work, 'store'),
      '--lease',
      '10',
      '--poll',
      '1',
    ],
    {
      cwd: REPO,
      env: {
        ...process.env,
        IMAGEWRIGHT_DB: server.url,
        IMAGEWRIGHT_STATE_DIR: join(work, 'state'),
        TMPDIR: join(work, 'tmp'),
        // Debian 12: where this file's boot was proven (its Debian 13 run is still to be made).
        DIB_IMAGE_CACHE: TEST_CACHE,
        ELEMENTS_PATH: '',
        DIB_RELEASE: 'bookworm',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  let log = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  const worker = { child, log: () => log, exited }
  workers.set(name, worker)
  return worker
}

const submitEnv = (): Record<string, string> => ({ IMAGEWRIGHT_DB: server.url, ...hostOsEnv(work) })

async function submit(
  priority: number,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<string> {
  const result = await runCli(IW_BIN, {
    args: ['submit', '--priority', String(priority), '--', ...args],
    env: { ...submitEnv(), ...env },
  })
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  return result.stdout.trim()
}

interface Row {
  state: string
  worker: string | null
  attempt: number
  error: string | null
  error_code: string | null
  started_at: Date | null
}

async function build(id: string): Promise<Row> {
  const { rows } = await pool.query<Row>(
    'SELECT state, worker, attempt, error, error_code, started_at FROM imagewright.builds WHERE id = $1',
    [id],
  )
  if (rows[0] === undefined) throw new Error(`no build ${id}`)
  return rows[0]
}

async function printed(id: string, line: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    "SELECT 1 FROM imagewright.events WHERE build_id = $1 AND event->>'line' = $2",
    [id, line],
  )
  return (rowCount ?? 0) > 0
}

async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(
        `Timed out waiting for ${what}\n${[...workers].map(([n, w]) => `--- ${n}\n${w.log()}`).join('\n')}`,
      )
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/** Processes on the machine whose command line is exactly this (the fixtures' unique sleeps). */
function processesRunning(cmdline: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').trim() === cmdline
      } catch {
        return false
      }
    })
    .map(Number)
}

/** The build's private directories, from its resource events. */
async function workspaceDirs(id: string): Promise<string[]> {
  const { rows } = await pool.query<{ resource: string }>(
    "SELECT event->>'resource' AS resource FROM imagewright.events WHERE build_id = $1 AND event->>'kind' = 'resource'",
    [id],
  )
  return [
    ...new Set(
      rows.flatMap((r) => /\S*\/dib_(?:build|image)\.[^/\s]+/.exec(r.resource)?.[0] ?? []),
    ),
  ]
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'iw-farm-'))
  mkdirSync(join(work, 'tmp'))
  before = hostSnapshot(work)
  writeElement('marker', {
    'install.d/20-marker': script('echo "built on the farm" > /etc/marker'),
  })
  // Sleeps on its first attempt only (the marker file is on the host, which the workers share here).
  writeElement('nap-once', {
    'extra-data.d/50-nap': script(
      'if [ ! -e "$DIB_FARM_TEST_MARKER" ]; then touch "$DIB_FARM_TEST_MARKER"; echo "napping now"; sleep 298; fi',
    ),
  })
  writeElement('hang', { 'extra-data.d/50-hang': script('echo "hanging now"\nsleep 297') })
  server = await startPostgres()
  pool = new pg.Pool({ connectionString: server.url, max: 2 })
  // The server is stopped at the end while a closed client's backend may still be going away; its
  // "terminating connection" then arrives with no listener left and would be an uncaught error.
  // Query errors still reach the awaiting test.
  pool.on('connect', (client) => client.on('error', () => undefined))
  pool.on('error', () => undefined)
})

afterAll(async () => {
  for (const worker of workers.values())
    if (worker.child.exitCode === null) worker.child.kill('SIGKILL')
  await Promise.all([...workers.values()].map((w) => w.exited))
  // Only after a failure is anything left; the journals are scoped to this test's state dir.
  await runCli(IW_BIN, {
    args: ['cleanup', '--force'],
    env: { IMAGEWRIGHT_STATE_DIR: join(work, 'state') },
  })
  if (!pool.ended) await pool.end()
  await server?.stop()
  rmSync(work, { recursive: true, force: true })
})

describe('build farm on PostgreSQL', () => {
  let failed: string
  it("fails a build whose elements do not resolve at once, with the resolver's message, and keeps it in the history", async () => {
    const started = Date.now()
    const result = await runCli(IW_BIN, {
      args: ['submit', '--', '-n', '-t', 'tar', 'host-os', 'no-such-element'],
      env: submitEnv(),
    })
    expect(result.code).toBe(4)
    expect(result.stderr).toMatch(
      /^Error: Element 'no-such-element' not found\nCode: ERR_ELEMENTS\n/,
    )
    expect(Date.now() - started).toBeLessThan(30_000)
    failed = result.stdout.trim()
    expect(await build(failed)).toMatchObject({
      state: 'failed',
      error_code: 'ERR_ELEMENTS',
      error: "Element 'no-such-element' not found",
      attempt: 0,
    })
    const { rowCount } = await pool.query('SELECT 1 FROM pgboss.job WHERE id = $1', [failed])
    expect(rowCount).toBe(0)
  })

  const ids: Record<'debian' | 'nap' | 'fast' | 'hang', string> = {
    debian: '',
    nap: '',
    fast: '',
    hang: '',
  }

  it('runs four builds on two workers: one worker killed with -9 mid-build, one build cancelled, a Debian image that boots', async () => {
    ids.debian = await submit(
      10,
      ['-t', 'raw', '--boot-test', '-o', 'debian', 'debian-minimal', 'vm'],
      { DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1' },
    )
    ids.nap = await submit(5, ['-n', '-t', 'tar', '-o', 'nap', 'host-os', 'nap-once'], {
      DIB_FARM_TEST_MARKER: join(work, 'napped'),
    })
    ids.fast = await submit(0, ['-n', '--checksum', '-t', 'tar', '-o', 'fast', 'host-os', 'marker'])
    ids.hang = await submit(1, ['-n', '-t', 'tar', '-o', 'hang', 'host-os', 'hang'])
    // pg-boss must not take a long build back after its default 15 minutes: the leases do that.
    const expiry = await pool.query<{ s: number }>(
      'SELECT EXTRACT(epoch FROM expire_in)::int AS s FROM pgboss.job WHERE id = $1',
      [ids.debian],
    )
    expect(expiry.rows[0]?.s).toBe(12 * 3600)

    // Priorities decide who takes what: w1 the Debian build, w2 the napping one.
    startWorker('w1')
    await waitFor(
      'w1 to take the Debian build',
      async () => (await build(ids.debian)).worker === 'w1',
      60_000,
    )
    const w2 = startWorker('w2')
    await waitFor('the nap build to nap on w2', () => printed(ids.nap, 'napping now'), 180_000)
    expect((await build(ids.nap)).worker).toBe('w2')
    w2.child.kill('SIGKILL')
    expect(await w2.exited).toBeNull()

    // w2 comes back as a new worker: first it releases what the killed build left on the host.
    const w3 = startWorker('w2-again')
    await waitFor(
      'the restarted worker to release the killed build',
      () => /Released what build \S+ \(pid \d+\) left: .*processes/.test(w3.log()),
      60_000,
    )
    expect(processesRunning('sleep 298')).toEqual([])

    // The hanging build is cancelled while it runs; its mounts and processes go with it.
    await waitFor('the hang build to hang', () => printed(ids.hang, 'hanging now'), 180_000)
    const cancel = await runCli(IW_BIN, { args: ['cancel', ids.hang], env: submitEnv() })
    expect(cancel.stdout, cancel.stderr).toBe(`Build ${ids.hang} cancelled\n`)
    expect(processesRunning('sleep 297')).toEqual([])
    const hangDirs = await workspaceDirs(ids.hang)
    expect(hangDirs.length).toBeGreaterThan(0)
    const mounts = execFileSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' })
    const loops = execFileSync('losetup', ['-a'], { encoding: 'utf8' })
    for (const dir of hangDirs) expect(`${mounts}${loops}`).not.toContain(dir)

    await waitFor(
      'every build to end',
      async () => {
        const states = await Promise.all(
          Object.values(ids).map(async (id) => (await build(id)).state),
        )
        return states.every((s) => ['completed', 'failed', 'cancelled'].includes(s))
      },
      1_200_000,
    )
    const [debian, nap, fast, hang] = await Promise.all([
      build(ids.debian),
      build(ids.nap),
      build(ids.fast),
      build(ids.hang),
    ])
    expect(debian, debian.error ?? '').toMatchObject({
      state: 'completed',
      worker: 'w1',
      attempt: 1,
    })
    expect(nap, nap.error ?? '').toMatchObject({ state: 'completed', attempt: 2 })
    expect(nap.worker).not.toBe('w2')
    expect(fast).toMatchObject({ state: 'completed', attempt: 1 })
    expect(hang).toMatchObject({ state: 'cancelled', error_code: 'ERR_CANCELLED' })
    // Submitted after it, but with a higher priority, the hang build started first.
    expect(hang.started_at?.getTime()).toBeLessThan(fast.started_at?.getTime() ?? 0)
    expect(`${workers.get('w1')?.log()}${w3.log()}`).toMatch(
      new RegExp(`Job ${ids.nap}: worker w2 was lost; the job is back in the queue`),
    )
  })

  it('shows the builds, their events as the build prints them, and copies the outputs', async () => {
    const booted = await pool.query(
      "SELECT 1 FROM imagewright.events WHERE build_id = $1 AND event->>'kind' = 'step-end' AND event->>'step' = 'boot-test: boot' AND (event->>'ok')::boolean",
      [ids.debian],
    )
    expect(booted.rowCount).toBe(1)

    const logs = await runCli(IW_BIN, { args: ['logs', ids.fast], env: submitEnv() })
    expect(logs.code).toBe(0)
    expect(logs.stdout).toMatch(/^install\.d\/20-marker completed \(\d+\.\ds\)$/m)
    expect(logs.stdout).toContain(`Wrote ${join(work, 'store', ids.fast, 'fast.tar')} (tar,`)
    // The image, then every file the build wrote beside it: checksums and SBOMs.
    const besideFast = ['fast.cdx.json', 'fast.spdx.json', 'fast.tar.md5', 'fast.tar.sha256']
    expect(logs.stdout.trimEnd().split('\n').slice(-5)).toEqual(
      ['fast.tar', ...besideFast].map((f) => `${ids.fast}/${f}`),
    )

    const fetched = await runCli(IW_BIN, {
      args: ['fetch', ids.fast, '--artifacts', join(work, 'store'), '-o', join(work, 'fetched')],
      env: submitEnv(),
    })
    expect(fetched.stdout, fetched.stderr).toBe(
      ['fast.tar', ...besideFast].map((f) => `${join(work, 'fetched', f)}\n`).join(''),
    )
    expect(
      execFileSync('tar', ['-xOf', join(work, 'fetched', 'fast.tar'), './etc/marker'], {
        encoding: 'utf8',
      }),
    ).toBe('built on the farm\n')
    expect(
      execFileSync('sha256sum', ['-c', 'fast.tar.sha256'], {
        cwd: join(work, 'fetched'),
        encoding: 'utf8',
      }),
    ).toBe('fast.tar: OK\n')
    expect(JSON.parse(readFileSync(join(work, 'fetched', 'fast.spdx.json'), 'utf8'))).toMatchObject(
      { spdxVersion: 'SPDX-2.3' },
    )

    const hangLogs = await runCli(IW_BIN, { args: ['logs', ids.hang], env: submitEnv() })
    expect(hangLogs.code).toBe(143)
    expect(hangLogs.stderr).toMatch(/Code: ERR_CANCELLED/)

    const jobs = await runCli(IW_BIN, { args: ['jobs', '--json'], env: submitEnv() })
    const listed = JSON.parse(jobs.stdout) as {
      id: string
      state: string
      outputs: { path: string }[]
    }[]
    expect(Object.fromEntries(listed.map((j) => [j.id, j.state]))).toEqual({
      [ids.debian]: 'completed',
      [ids.nap]: 'completed',
      [ids.fast]: 'completed',
      [ids.hang]: 'cancelled',
      [failed]: 'failed',
    })
    // The image first, then what the build wrote beside it (SBOMs, the manifests element's files).
    const beside = [
      'debian.cdx.json',
      'debian.spdx.json',
      'debian.d/dib-manifests/dib-manifest-dpkg-debian',
    ]
    const outputs = listed.find((j) => j.id === ids.debian)?.outputs.map((o) => o.path) ?? []
    expect(outputs[0]).toBe(`${ids.debian}/debian.raw`)
    expect(outputs).toEqual(expect.arrayContaining(beside.map((f) => `${ids.debian}/${f}`)))
  })

  it('stops its workers cleanly and leaves no mount, loop device, process or postgres behind', async () => {
    for (const [name, worker] of workers) {
      if (worker.child.exitCode !== null || worker.child.signalCode !== null) continue
      worker.child.kill('SIGTERM')
      expect(await worker.exited, `${name}: ${worker.log()}`).toBe(0)
    }
    expect(hostSnapshot(work)).toEqual(before)
    expect(readdirSync(join(work, 'state')).filter((f) => f.endsWith('.json'))).toEqual([])
    expect(processesRunning('sleep 297')).toEqual([])
    expect(processesRunning('sleep 298')).toEqual([])
    const { pid } = server
    await pool.end()
    await server.stop()
    expect(() => process.kill(pid, 0)).toThrow()
  })
})
