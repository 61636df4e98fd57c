import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { OutputError } from '../../src/errors.ts'
import type { Runner } from '../../src/exec/command.ts'
import { ProcessRunner } from '../../src/exec/run.ts'
import { silentReporter } from '../../src/report/events.ts'
import { writeDiskOutputs, writeOutputs, writeTreeOutputs } from '../../src/output/write-outputs.ts'
import {
  artifactEvents,
  baseRequest,
  depsWith,
  makeRawImage,
  makeRootTree,
  runner,
  useTempDir,
} from './output-fixture.ts'

async function verifyChecksums(dir: string, file: string): Promise<void> {
  for (const tool of ['md5sum', 'sha256sum'] as const) {
    const ext = tool === 'md5sum' ? 'md5' : 'sha256'
    const result = await runner.run(
      { argv: [tool, '-c', `${file}.${ext}`], cwd: dir },
      { quiet: true },
    )
    expect(result.stdout).toBe(`${file}: OK`)
  }
}

describe('output naming, checksums and old images', () => {
  it('writes md5 and sha256 files for every output, tree and disk alike', async () => {
    const dir = await useTempDir()
    const root = await makeRootTree(dir)
    const raw = await makeRawImage(dir, root)
    const types = ['tar', 'tgz', 'squashfs', 'oci', 'qcow2', 'raw']
    const request = baseRequest({
      imageName: join(dir, 'out/sub/deb'),
      types,
      rootTree: root,
      rawImagePath: raw,
      checksums: ['md5', 'sha256'],
    })
    const { deps, reporter } = depsWith()
    const artifacts = await writeOutputs(request, deps)
    const files = ['deb.tar', 'deb.tgz', 'deb.squashfs', 'deb.oci.tar', 'deb.qcow2', 'deb.raw']
    expect(artifacts.map((a) => a.path)).toEqual(files.map((f) => join(dir, 'out/sub', f)))
    for (const file of files) await verifyChecksums(join(dir, 'out/sub'), file)
    const sha = await readFile(join(dir, 'out/sub/deb.qcow2.sha256'), 'utf8')
    expect(sha).toBe(`${artifacts[4]?.checksums.sha256}  deb.qcow2\n`)
    const events = artifactEvents(reporter)
    expect(events.filter((e) => e.format === 'sha256')).toHaveLength(files.length)
    expect(events.filter((e) => e.format === 'md5')).toHaveLength(files.length)
    expect((await readdir(join(dir, 'out/sub'))).length).toBe(files.length * 3)
  })

  it('keeps an old image and its checksums under a timestamped name', async () => {
    const dir = await useTempDir()
    const root = await makeRootTree(dir)
    const request = baseRequest({
      imageName: join(dir, 'deb'),
      types: ['tar'],
      rootTree: root,
      checksums: ['md5', 'sha256'],
    })
    const at = new Date(2024, 0, 5, 7, 8, 9)
    const { deps, reporter } = depsWith(undefined, { now: () => at })
    await writeTreeOutputs({ ...request, rootTree: root }, deps)
    const first = await readFile(join(dir, 'deb.tar'))
    await writeFile(join(root, 'etc/hostname'), 'changed\n')
    await writeTreeOutputs({ ...request, rootTree: root }, deps)
    await writeTreeOutputs({ ...request, rootTree: root }, deps)

    const retired = 'deb-2024.01.05-07.08.09.tar'
    expect((await readdir(dir)).sort()).toEqual([
      'deb-2024.01.05-07.08.09-2.tar',
      'deb-2024.01.05-07.08.09-2.tar.md5',
      'deb-2024.01.05-07.08.09-2.tar.sha256',
      retired,
      `${retired}.md5`,
      `${retired}.sha256`,
      'deb.tar',
      'deb.tar.md5',
      'deb.tar.sha256',
      'root',
    ])
    expect((await readFile(join(dir, retired))).equals(first)).toBe(true)
    // the moved checksum files name the moved image, so they still verify
    await verifyChecksums(dir, retired)
    await verifyChecksums(dir, 'deb.tar')
    const infos = reporter.events.flatMap(({ event }) =>
      event.kind === 'info' ? [event.message] : [],
    )
    expect(infos[0]).toBe(
      `Kept the previous "${join(dir, 'deb.tar')}" as "${join(dir, retired)}" (set OVERWRITE_OLD_IMAGE=1 to replace it)`,
    )
  })

  it('overwrites with OVERWRITE_OLD_IMAGE and drops checksum files it does not rewrite', async () => {
    const dir = await useTempDir()
    const root = await makeRootTree(dir)
    await writeFile(join(dir, 'deb.tar'), 'old')
    await writeFile(join(dir, 'deb.tar.md5'), 'stale  deb.tar\n')
    const request = baseRequest({
      imageName: join(dir, 'deb'),
      types: ['tar'],
      rootTree: root,
      overwrite: true,
      checksums: ['sha256'],
    })
    await writeTreeOutputs({ ...request, rootTree: root }, depsWith().deps)
    expect((await readdir(dir)).sort()).toEqual(['deb.tar', 'deb.tar.sha256', 'root'])
    expect((await readFile(join(dir, 'deb.tar'))).length).toBeGreaterThan(3)
  })

  it('leaves the old image untouched and nothing partial when a conversion fails', async () => {
    const dir = await useTempDir()
    const raw = await makeRawImage(dir, await makeRootTree(dir))
    await writeFile(join(dir, 'deb.qcow2'), 'old image')
    const request = baseRequest({
      imageName: join(dir, 'deb'),
      types: ['qcow2', 'vhd'],
      rawImagePath: raw,
      qemuImgOptions: 'cluster_size=3',
      checksums: ['sha256'],
    })
    await expect(
      writeDiskOutputs({ ...request, rawImagePath: raw }, depsWith().deps),
    ).rejects.toThrow(OutputError)
    expect((await readdir(dir)).sort()).toEqual(['build.raw', 'deb.qcow2', 'root'])
    expect(await readFile(join(dir, 'deb.qcow2'), 'utf8')).toBe('old image')
  })

  it('removes partial files when the build is interrupted mid-conversion', async () => {
    const dir = await useTempDir()
    const raw = await makeRawImage(dir, await makeRootTree(dir))
    const controller = new AbortController()
    const inner = new ProcessRunner({ reporter: silentReporter, signal: controller.signal })
    // interrupt as soon as the first tool starts, as Ctrl-C during a conversion would
    const interrupting: Runner = {
      run: (cmd, options) => {
        const running = inner.run(cmd, options)
        setTimeout(() => controller.abort(new Error('interrupted')), 10)
        return running
      },
    }
    const request = baseRequest({
      imageName: join(dir, 'deb'),
      types: ['qcow2', 'vmdk', 'raw'],
      rawImagePath: raw,
    })
    const deps = { runner: interrupting, reporter: silentReporter, signal: controller.signal }
    await expect(writeDiskOutputs({ ...request, rawImagePath: raw }, deps)).rejects.toThrow(
      'interrupted',
    )
    expect((await readdir(dir)).sort()).toEqual(['build.raw', 'root'])
  })

  it('checks that every source is there before writing anything', async () => {
    const dir = await useTempDir()
    const root = await makeRootTree(dir)
    const request = baseRequest({
      imageName: join(dir, 'deb'),
      types: ['tar', 'qcow2'],
      rootTree: root,
    })
    await expect(writeOutputs(request, depsWith().deps)).rejects.toThrow(
      'Cannot write "qcow2" outputs: no raw image was given',
    )
    expect(await readdir(dir)).toEqual(['root'])
  })
})
