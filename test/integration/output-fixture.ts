// Shared set-up for the output integration tests: a temp dir, a small root tree with the
// mount points a build has, a sparse raw image holding an ext4 of that tree, and a runner.
import { chmod, mkdir, mkdtemp, realpath, rm, symlink, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import type { Runner } from '../../src/exec/command.ts'
import { ProcessRunner } from '../../src/exec/run.ts'
import type { OutputDeps, OutputRequest } from '../../src/output/write-outputs.ts'
import { RecordingReporter, silentReporter } from '../../src/report/events.ts'

export const MIB = 1024 * 1024
/** Deliberately not a whole MiB, so vhd has to round up. */
export const RAW_BYTES = 64 * MIB + 64 * 1024

export const runner: Runner = new ProcessRunner({ reporter: silentReporter })

export async function run(...argv: [string, ...string[]]): Promise<string> {
  return (await runner.run({ argv }, { quiet: true })).stdout
}

export async function useTempDir(prefix = 'iw-output-'): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A root tree with content, a symlink, an xattr, and host-looking files under proc and sys. */
export async function makeRootTree(dir: string): Promise<string> {
  const root = join(dir, 'root')
  for (const sub of ['etc', 'usr/bin', 'proc/1', 'sys/kernel', 'dev', 'usr/lib/sys', 'boot']) {
    await mkdir(join(root, sub), { recursive: true })
  }
  await writeFile(join(root, 'etc/hostname'), 'imagewright\n')
  await writeFile(join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID=12\n')
  // compressible, so compressed and uncompressed qcow2 are easy to tell apart
  await writeFile(join(root, 'usr/lib/words'), 'all work and no play\n'.repeat(200_000))
  await writeFile(join(root, 'usr/bin/hello'), '#!/bin/sh\necho hello\n')
  await chmod(join(root, 'usr/bin/hello'), 0o755)
  await writeFile(join(root, 'usr/lib/sys/keep'), 'not a host sys file\n')
  await symlink('usr/bin', join(root, 'bin'))
  await writeFile(join(root, 'proc/1/status'), 'host process\n')
  await writeFile(join(root, 'sys/kernel/uevent'), 'host sysfs\n')
  await run('python3', '-c', `import os; os.setxattr('${root}/etc/hostname', 'user.iw', b'yes')`)
  return root
}

/** A sparse raw disk: an ext4 made straight from the tree, no loop device needed. */
export async function makeRawImage(dir: string, root: string): Promise<string> {
  const raw = join(dir, 'build.raw')
  await writeFile(raw, '')
  await truncate(raw, RAW_BYTES)
  await run('mkfs.ext4', '-q', '-F', '-d', root, raw)
  return raw
}

export function baseRequest<T extends Partial<OutputRequest> & { readonly imageName: string }>(
  overrides: T,
): OutputRequest & T {
  return {
    types: ['qcow2'],
    uncompressed: false,
    checksums: [],
    overwrite: false,
    arch: 'amd64',
    ...overrides,
  }
}

export function depsWith(reporter = new RecordingReporter(), extra: Partial<OutputDeps> = {}) {
  const deps: OutputDeps = { runner, reporter, ...extra }
  return { deps, reporter }
}

export function artifactEvents(reporter: RecordingReporter) {
  return reporter.events.flatMap(({ event }) => (event.kind === 'artifact' ? [event] : []))
}

export async function qemuInfo(path: string, format: string): Promise<Record<string, unknown>> {
  return JSON.parse(await run('qemu-img', 'info', '--output=json', '-f', format, path)) as Record<
    string,
    unknown
  >
}
