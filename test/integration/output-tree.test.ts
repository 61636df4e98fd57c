import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { ConfigError, OutputError } from '../../src/errors.ts'
import { writeTreeOutputs } from '../../src/output/write-outputs.ts'
import {
  artifactEvents,
  baseRequest,
  depsWith,
  makeRootTree,
  run,
  useTempDir,
} from './output-fixture.ts'

const SDE = 1_700_000_000

async function tarList(path: string, ...flags: string[]): Promise<string[]> {
  return (await run('tar', ...flags, '-tf', path)).split('\n').filter((line) => line !== '')
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- OCI JSON, checked field by field below
async function readJson(path: string): Promise<any> {
  return JSON.parse(await readFile(path, 'utf8'))
}

describe('writeTreeOutputs', () => {
  it('packs tar with ./ paths, numeric owners and xattrs, without proc and sys contents', async () => {
    const dir = await useTempDir()
    const root = await makeRootTree(dir)
    await mkdir(join(root, 'usr/share/many'), { recursive: true })
    for (let i = 40; i > 0; i--)
      await writeFile(join(root, 'usr/share/many', `f${(i * 7919) % 1000}`), '')
    const request = baseRequest({ imageName: join(dir, 'deb'), types: ['tar'], rootTree: root })
    const { deps, reporter } = depsWith()
    const [artifact] = await writeTreeOutputs({ ...request, rootTree: root }, deps)
    const path = join(dir, 'deb.tar')
    expect(artifact).toMatchObject({ path, format: 'tar' })
    expect(artifactEvents(reporter)).toEqual([
      { kind: 'artifact', path, format: 'tar', bytes: (await stat(path)).size },
    ])
    const names = await tarList(path)
    expect(names).toEqual(
      expect.arrayContaining(['./', './etc/hostname', './proc/', './sys/', './dev/', './bin']),
    )
    expect(names).toContain('./usr/lib/sys/keep')
    expect(names.filter((n) => /^\.\/(proc|sys)\/./.test(n))).toEqual([])
    // sorted by name, so the archive does not depend on directory order
    const many = names.filter((n) => n.startsWith('./usr/share/many/') && n !== './usr/share/many/')
    expect(many).toHaveLength(40)
    expect(many).toEqual([...many].sort())
    const verbose = await run('tar', '--xattrs', '--xattrs-include=*', '-tvvf', path)
    expect(verbose).toMatch(/x: 3 user\.iw/)
    expect(verbose).toMatch(/ 0\/0 /)
  })

  it('keeps both tar and tgz when both are asked for, and clamps times to SOURCE_DATE_EPOCH', async () => {
    const dir = await useTempDir()
    const root = await makeRootTree(dir)
    const request = baseRequest({
      imageName: join(dir, 'deb'),
      types: ['tgz', 'tar'],
      rootTree: root,
      sourceDateEpoch: SDE,
    })
    const artifacts = await writeTreeOutputs({ ...request, rootTree: root }, depsWith().deps)
    expect(artifacts.map((a) => a.format)).toEqual(['tgz', 'tar'])
    await run('gzip', '-t', join(dir, 'deb.tgz'))
    const fromTar = await tarList(join(dir, 'deb.tar'))
    expect(await tarList(join(dir, 'deb.tgz'), '-z')).toEqual(fromTar)
    const listing = await run('tar', '--full-time', '-tvf', join(dir, 'deb.tar'), './etc/hostname')
    expect(listing).toMatch(/2023-11-14 22:13:20 \.\/etc\/hostname/)
    expect((await readdir(dir)).sort()).toEqual(['deb.tar', 'deb.tgz', 'root'])
  })

  it('writes tgz alone through DIB_GZIP_BIN, leaving no tar behind', async () => {
    const dir = await useTempDir()
    const root = await makeRootTree(dir)
    const request = baseRequest({
      imageName: join(dir, 'deb'),
      types: ['tgz'],
      rootTree: root,
      gzipBin: 'gzip --rsyncable',
    })
    await writeTreeOutputs({ ...request, rootTree: root }, depsWith().deps)
    expect((await readdir(dir)).sort()).toEqual(['deb.tgz', 'root'])
    expect(await tarList(join(dir, 'deb.tgz'), '-z')).toContain('./etc/os-release')
  })

  it('writes squashfs as .squashfs without proc and sys contents', async () => {
    const dir = await useTempDir()
    const root = await makeRootTree(dir)
    const request = baseRequest({
      imageName: join(dir, 'live'),
      types: ['squashfs'],
      rootTree: root,
    })
    await writeTreeOutputs({ ...request, rootTree: root }, depsWith().deps)
    const names = (await run('unsquashfs', '-l', '-d', '', join(dir, 'live.squashfs'))).split('\n')
    expect(names).toEqual(
      expect.arrayContaining(['/etc/hostname', '/proc', '/sys', '/usr/lib/sys/keep']),
    )
    expect(names.filter((n) => /^\/(proc|sys)\//.test(n))).toEqual([])
  })

  it('writes an OCI image layout archive whose digests all check out', async () => {
    const dir = await useTempDir()
    const root = await makeRootTree(dir)
    const request = baseRequest({
      imageName: join(dir, 'ctr'),
      types: ['docker'],
      rootTree: root,
      arch: 'arm64',
      ociTag: 'example.org/team/ctr:1.0',
    })
    const { deps, reporter } = depsWith()
    await writeTreeOutputs({ ...request, rootTree: root }, deps)
    const notes = reporter.events.flatMap(({ event }) =>
      event.kind === 'info' ? [event.message] : [],
    )
    expect(notes).toEqual([
      expect.stringMatching(/^Image type "docker" writes an OCI image archive/),
    ])

    const layout = join(dir, 'layout')
    await mkdir(layout)
    const archive = join(dir, 'ctr.oci.tar')
    const members = await tarList(archive)
    expect(members.slice(0, 3)).toEqual(['oci-layout', 'index.json', 'manifest.json'])
    await run('tar', '-xf', archive, '-C', layout)
    expect(await readJson(join(layout, 'oci-layout'))).toEqual({ imageLayoutVersion: '1.0.0' })

    const blob = async (digest: string): Promise<Buffer> => {
      const data = await readFile(join(layout, 'blobs', ...digest.split(':')))
      expect(sha256(data)).toBe(digest)
      return data
    }
    const index = await readJson(join(layout, 'index.json'))
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json')
    const [entry] = index.manifests
    expect(entry.annotations).toEqual({
      'io.containerd.image.name': 'example.org/team/ctr:1.0',
      'org.opencontainers.image.ref.name': '1.0',
    })
    const manifestData = await blob(entry.digest)
    expect(manifestData.length).toBe(entry.size)
    const manifest = JSON.parse(manifestData.toString())
    const configData = await blob(manifest.config.digest)
    expect(configData.length).toBe(manifest.config.size)
    const config = JSON.parse(configData.toString())
    expect(config).toMatchObject({ architecture: 'arm64', os: 'linux' })
    expect(entry.platform).toEqual({ architecture: 'arm64', os: 'linux' })

    const [layer] = manifest.layers
    expect(layer.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip')
    const layerData = await blob(layer.digest)
    expect(layerData.length).toBe(layer.size)
    const layerTar = gunzipSync(layerData)
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: [sha256(layerTar)] })

    await writeFile(join(dir, 'layer.tar'), layerTar)
    const files = await tarList(join(dir, 'layer.tar'))
    expect(files).toEqual(expect.arrayContaining(['etc/hostname', 'usr/bin/hello', 'proc/', 'bin']))
    expect(files.filter((n) => n.startsWith('./') || /^(proc|sys)\/./.test(n))).toEqual([])

    expect(await readJson(join(layout, 'manifest.json'))).toEqual([
      {
        Config: `blobs/sha256/${manifest.config.digest.slice(7)}`,
        RepoTags: ['example.org/team/ctr:1.0'],
        Layers: [`blobs/sha256/${layer.digest.slice(7)}`],
      },
    ])
    expect((await readdir(dir)).sort()).toEqual(['ctr.oci.tar', 'layer.tar', 'layout', 'root'])
  })

  it('gives byte-identical tar and OCI archives for the same tree with SOURCE_DATE_EPOCH', async () => {
    const dir = await useTempDir()
    const root = await makeRootTree(dir)
    const digests: string[] = []
    for (const name of ['one', 'two']) {
      const request = baseRequest({
        imageName: join(dir, name),
        types: ['tar', 'oci', 'squashfs'],
        rootTree: root,
        sourceDateEpoch: SDE,
        ociTag: 'same:1',
      })
      await writeTreeOutputs({ ...request, rootTree: root }, depsWith().deps)
      const parts = await Promise.all(
        ['tar', 'oci.tar', 'squashfs'].map(async (ext) =>
          sha256(await readFile(join(dir, `${name}.${ext}`))),
        ),
      )
      digests.push(parts.join(' '))
      // make the second run differ in everything but content
      await new Promise((resolve) => setTimeout(resolve, 1100))
      await utimes(join(root, 'etc/hostname'), new Date(), new Date())
    }
    expect(digests[1]).toBe(digests[0])
  })

  it('refuses to write an output inside the tree it packs', async () => {
    const dir = await useTempDir()
    const root = await makeRootTree(dir)
    const request = baseRequest({
      imageName: join(root, 'tmp/self'),
      types: ['tar'],
      rootTree: root,
    })
    const failing = writeTreeOutputs({ ...request, rootTree: root }, depsWith().deps)
    await expect(failing).rejects.toThrow(OutputError)
    await expect(failing).rejects.toThrow(/it is inside the root tree it packs/)
  })

  it('checks the image reference before packing anything', async () => {
    const dir = await useTempDir()
    const root = await makeRootTree(dir)
    const request = baseRequest({
      imageName: join(dir, 'new/x'),
      types: ['tar', 'oci'],
      rootTree: root,
      ociTag: 'Bad:Tag',
    })
    await expect(writeTreeOutputs({ ...request, rootTree: root }, depsWith().deps)).rejects.toThrow(
      ConfigError,
    )
    expect(await readdir(dir)).toEqual(['root'])
  })
})
