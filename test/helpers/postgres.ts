// A throwaway PostgreSQL for farm tests: initdb in a temporary directory, the server listening
// only on a unix socket in that directory, run as the "postgres" user (the server refuses root),
// stopped and deleted at the end. The server is our child; an exit hook kills it even when the
// test runner dies early, so no postgres outlives the test.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const PG_BIN = '/usr/lib/postgresql/15/bin'

export interface TempPostgres extends AsyncDisposable {
  readonly url: string
  readonly dir: string
  readonly pid: number
  stop(): Promise<void>
}

export function hasPostgres(): boolean {
  return existsSync(join(PG_BIN, 'postgres')) && existsSync(join(PG_BIN, 'initdb'))
}

export async function startPostgres(): Promise<TempPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'iw-pg-'))
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
  chownSync(dir, uid, gid)
  const asPostgres = ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--']
  const data = join(dir, 'data')
  execFileSync(
    asPostgres[0] ?? 'setpriv',
    [
      ...asPostgres.slice(1),
      join(PG_BIN, 'initdb'),
      '-D',
      data,
      '--auth=trust',
      '-U',
      'postgres',
      '--no-sync',
    ],
    { stdio: 'pipe' },
  )
  const server: ChildProcess = spawn(
    asPostgres[0] ?? 'setpriv',
    [
      ...asPostgres.slice(1),
      join(PG_BIN, 'postgres'),
      '-D',
      data,
      '-k',
      dir,
      '-c',
      'listen_addresses=',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=60',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let log = ''
  server.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString()
  })
  const pid = server.pid ?? 0
  const killOnExit = (): void => {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      /* already gone */
    }
  }
  process.on('exit', killOnExit)
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()))
  const url = `postgresql://postgres@/postgres?host=${encodeURIComponent(dir)}`
  const deadline = Date.now() + 30_000
  while (!existsSync(join(dir, '.s.PGSQL.5432'))) {
    if (Date.now() > deadline || server.exitCode !== null)
      throw new Error(`postgres did not start:\n${log}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const stop = async (): Promise<void> => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGINT') // fast shutdown: disconnects clients, no waiting for them
      const timer = setTimeout(() => server.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
    process.off('exit', killOnExit)
    rmSync(dir, { recursive: true, force: true })
  }
  return { url, dir, pid, stop, [Symbol.asyncDispose]: stop }
}
