// A farm build's outputs without PostgreSQL: what the worker records from the job's directory of
// the artefact store (the images first, then every file beside them, sub-directories too), and
// what `fetch` copies from there.
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BuildRecord } from '../../src/farm/build-records.ts'
import { fetchOutputs, listJobOutputs } from '../../src/farm/job-outputs.ts'

const ID = '0b5e2c1e-8d7a-4c55-9c3e-2f7d7f1d9a01'
let work: string
let store: string

const record = (fields: Partial<BuildRecord>): BuildRecord => ({
  id: ID,
  submittedAt: new Date(0),
  submittedBy: 'me@host',
  command: '-o img vm',
  priority: 0,
  state: 'completed',
  worker: 'w1',
  attempt: 1,
  phase: null,
  errorCode: null,
  error: null,
  exitCode: 0,
  outputs: [],
  startedAt: null,
  finishedAt: null,
  ...fields,
})

function put(path: string, text: string): void {
  mkdirSync(join(store, ID, path, '..'), { recursive: true })
  writeFileSync(join(store, ID, path), text)
}

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'iw-farm-outputs-'))
  store = join(work, 'store')
  put('img.raw', 'raw image')
  put('img.qcow2', 'qcow2 image')
  put('img.qcow2.sha256', 'abc  img.qcow2\n')
  put('img.spdx.json', '{"spdxVersion":"SPDX-2.3"}\n')
  put('img.cdx.json', '{"bomFormat":"CycloneDX"}\n')
  put('img.d/dib-manifests/dib_arguments', '-o img vm\n')
  symlinkSync('/etc/passwd', join(store, ID, 'img.d', 'link'))
})

afterEach(() => {
  rmSync(work, { recursive: true, force: true })
})

describe('the outputs a worker records', () => {
  it('are the images in build order, then every regular file beside them, sorted', async () => {
    const outputs = await listJobOutputs(store, ID, [
      join(store, ID, 'img.qcow2'),
      join(store, ID, 'img.raw'),
    ])
    expect(outputs).toEqual([
      { path: `${ID}/img.qcow2`, bytes: 11 },
      { path: `${ID}/img.raw`, bytes: 9 },
      { path: `${ID}/img.cdx.json`, bytes: 26, beside: true },
      { path: `${ID}/img.d/dib-manifests/dib_arguments`, bytes: 10, beside: true },
      { path: `${ID}/img.qcow2.sha256`, bytes: 15, beside: true },
      { path: `${ID}/img.spdx.json`, bytes: 27, beside: true },
    ])
  })
})

describe('fetch', () => {
  it('copies every output, keeping the directories beside the image', async () => {
    const outputs = await listJobOutputs(store, ID, [
      join(store, ID, 'img.qcow2'),
      join(store, ID, 'img.raw'),
    ])
    const out = join(work, 'out')
    const copies = await fetchOutputs(record({ outputs }), store, out)
    expect(copies).toEqual(outputs.map((o) => join(out, o.path.slice(ID.length + 1))))
    expect(readdirSync(out).sort()).toEqual([
      'img.cdx.json',
      'img.d',
      'img.qcow2',
      'img.qcow2.sha256',
      'img.raw',
      'img.spdx.json',
    ])
    expect(readFileSync(join(out, 'img.d/dib-manifests/dib_arguments'), 'utf8')).toBe('-o img vm\n')
  })

  it('refuses a build that did not complete, an output outside its directory, and a store that is not there', async () => {
    const out = join(work, 'out')
    await expect(fetchOutputs(record({ state: 'failed' }), store, out)).rejects.toThrow(
      /it is failed/,
    )
    await expect(
      fetchOutputs(
        record({
          outputs: [
            { path: `${ID}/img.raw`, bytes: 9 },
            { path: `${ID}/../other/secret`, bytes: 1 },
          ],
        }),
        store,
        out,
      ),
    ).rejects.toThrow(/must lie in its directory/)
    await expect(
      fetchOutputs(record({ outputs: [{ path: '/etc/passwd', bytes: 1 }] }), store, out),
    ).rejects.toThrow(/must lie in its directory/)
    expect(() => readdirSync(out)).toThrow()
    await expect(
      fetchOutputs(
        record({ outputs: [{ path: `${ID}/img.raw`, bytes: 9 }] }),
        join(work, 'nowhere'),
        out,
      ),
    ).rejects.toThrow(/Cannot copy .*img\.raw from the artefact store/)
  })
})
