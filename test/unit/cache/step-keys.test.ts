import { describe, expect, it } from 'vitest'
import {
  baseRootParts,
  recordedPackageIndex,
  type BaseRootFacts,
} from '../../../src/cache/base-root.ts'
import { environmentParts } from '../../../src/cache/environment-inputs.ts'
import { changedInputs, stepInputs, type StepFacts } from '../../../src/cache/step-keys.ts'
import type { PhaseName } from '../../../src/phases/phase-table.ts'

const part = (name: string, digest: string) => ({ name, digest })

function facts(
  over: Partial<StepFacts> = {},
  files: Partial<Record<PhaseName | 'all', string>> = {},
): StepFacts {
  const byPhase = new Map<PhaseName | 'all', { name: string; digest: string }[]>()
  const defaults: Partial<Record<PhaseName | 'all', string>> = {
    all: 'a1',
    root: 'r1',
    'extra-data': 'x1',
    install: 'i1',
    'post-install': 'p1',
    'post-root': 'o1',
    finalise: 'f1',
    ...files,
  }
  for (const [phase, digest] of Object.entries(defaults))
    byPhase.set(phase as PhaseName, [part(`element e: ${phase}.d/10-x`, digest)])
  return {
    builder: 'b1',
    elementFiles: byPhase,
    environment: [part('env DIB_RELEASE', 'bookworm')],
    treeOptions: [part('option packages', '[]')],
    imageOptions: [part('option imageTypes', '["qcow2"]')],
    baseRoot: [part('base root tarball', 't1')],
    packageIndex: [part('package index bookworm-security', 'd1')],
    ...over,
  }
}

const keys = (f: StepFacts): Record<string, string> =>
  Object.fromEntries(stepInputs(f).map((s) => [s.step, s.key]))

/** Which steps get a new key when `changed` differs from the default facts. */
function invalidated(changed: StepFacts): string[] {
  const before = keys(facts())
  const after = keys(changed)
  return Object.keys(before).filter((step) => before[step] !== after[step])
}

describe('step keys', () => {
  it('are a pure function of the inputs, whatever their order', () => {
    expect(keys(facts())).toEqual(keys(facts()))
    const reversed = facts({ environment: [part('env B', '2'), part('env A', '1')] })
    const ordered = facts({ environment: [part('env A', '1'), part('env B', '2')] })
    expect(keys(reversed)).toEqual(keys(ordered))
    expect(Object.values(keys(facts())).every((k) => /^[0-9a-f]{64}$/.test(k))).toBe(true)
  })

  it('an install.d or extra-data.d edit invalidates install.d onwards, not the root', () => {
    expect(invalidated(facts({}, { install: 'i2' }))).toEqual([
      'install',
      'post-install',
      'tree',
      'image',
    ])
    expect(invalidated(facts({}, { 'extra-data': 'x2' }))).toEqual([
      'install',
      'post-install',
      'tree',
      'image',
    ])
  })

  it('a post-install.d edit keeps root and install; a post-root.d edit keeps everything before the finished tree', () => {
    expect(invalidated(facts({}, { 'post-install': 'p2' }))).toEqual([
      'post-install',
      'tree',
      'image',
    ])
    expect(invalidated(facts({}, { 'post-root': 'o2' }))).toEqual(['tree', 'image'])
  })

  it('a finalise.d edit invalidates only the image', () => {
    expect(invalidated(facts({}, { finalise: 'f2' }))).toEqual(['image'])
  })

  it('root.d, files outside phase dirs, the environment, the base root, the package index and imagewright invalidate everything', () => {
    const all = ['root', 'install', 'post-install', 'tree', 'image']
    expect(invalidated(facts({}, { root: 'r2' }))).toEqual(all)
    expect(invalidated(facts({}, { all: 'a2' }))).toEqual(all)
    expect(invalidated(facts({ environment: [part('env DIB_RELEASE', 'trixie')] }))).toEqual(all)
    expect(invalidated(facts({ baseRoot: [part('base root tarball', 't2')] }))).toEqual(all)
    expect(
      invalidated(facts({ packageIndex: [part('package index bookworm-security', 'd2')] })),
    ).toEqual(all)
    expect(invalidated(facts({ builder: 'b2' }))).toEqual(all)
  })

  it('output options invalidate only the image', () => {
    expect(invalidated(facts({ imageOptions: [part('option imageTypes', '["raw"]')] }))).toEqual([
      'image',
    ])
  })

  it('say which inputs changed, were added or are gone, but not the previous step key', () => {
    const before = stepInputs(facts())
    const after = stepInputs(facts({ environment: [part('env DIB_X', '1')] }, { install: 'i2' }))
    expect(changedInputs(before[1]!.parts, after[1]!.parts)).toEqual(['element e: install.d/10-x'])
    expect(changedInputs(before[0]!.parts, after[0]!.parts)).toEqual([
      'env DIB_X (new)',
      'env DIB_RELEASE (gone)',
    ])
  })
})

describe('the base root a Debian build starts from', () => {
  const TODAY =
    'http://m bookworm bookworm Sat, 08 Nov 2026 10:00:00 UTC 12.12\nhttp://s bookworm-security bookworm-security Sat, 05 Dec 2026 06:00:00 UTC -'
  const LAST_WEEK = TODAY.replace('05 Dec', '28 Nov')
  const root = (over: Partial<BaseRootFacts>): string =>
    keys(
      facts({
        baseRoot: baseRootParts({
          codename: 'bookworm',
          usesTarball: true,
          tarball: { kind: 'none' },
          currentPackageIndex: TODAY,
          ...over,
        }),
      }),
    )['root']!

  it('a fresh bootstrap and the tarball it saved have one key: the no-op rebuild hits at root', () => {
    const cold = root({ tarball: { kind: 'none' } })
    expect(root({ tarball: { kind: 'recorded', packageIndex: TODAY } })).toBe(cold)
  })

  it('a tarball bootstrapped from older indexes gets another key, named as the base root', () => {
    const fresh = baseRootParts({
      codename: 'bookworm',
      usesTarball: true,
      tarball: { kind: 'none' },
      currentPackageIndex: TODAY,
    })
    const stale = baseRootParts({
      codename: 'bookworm',
      usesTarball: true,
      tarball: { kind: 'recorded', packageIndex: LAST_WEEK },
      currentPackageIndex: TODAY,
    })
    expect(changedInputs(fresh, stale)).toEqual(['base root package index'])
    // a tarball saved before tarballs recorded their indexes stands for itself, by content
    const unrecorded = baseRootParts({
      codename: 'bookworm',
      usesTarball: true,
      tarball: { kind: 'unrecorded', fileDigest: 'f1' },
      currentPackageIndex: TODAY,
    })
    expect(changedInputs(fresh, unrecorded)).toEqual([
      'base root tarball (new)',
      'base root package index (gone)',
    ])
  })

  it('without the tarball cache only the codename stands for the base root (the indexes are inputs already)', () => {
    const parts = baseRootParts({
      codename: 'bookworm',
      usesTarball: false,
      tarball: { kind: 'recorded', packageIndex: LAST_WEEK },
      currentPackageIndex: TODAY,
    })
    expect(parts.map((p) => p.name)).toEqual(['base root codename'])
  })

  it("reads the record from the tarball's settings file, whose other lines are the bootstrap settings", () => {
    const settings = `variant=minbase\narch=amd64\n${TODAY.split('\n')
      .map((line) => `package-index=${line}`)
      .join('\n')}\n`
    expect(recordedPackageIndex(settings)).toBe(TODAY)
    expect(recordedPackageIndex('variant=minbase\narch=amd64\n')).toBeUndefined()
  })
})

describe('environment inputs', () => {
  it('leave out where and how the build runs, keep what hooks act on', () => {
    const names = environmentParts(
      {
        DIB_RELEASE: 'bookworm',
        TMPDIR: '/tmp/x',
        PWD: '/a',
        SSH_TTY: '/dev/pts/1',
        DIB_NO_TIMESTAMP: '1',
        FS_TYPE: 'xfs',
        IMAGEWRIGHT_MOUNT_NAMESPACE: '4242',
      },
      'salt',
    ).map((p) => p.name)
    expect(names).toEqual(['env DIB_RELEASE', 'env FS_TYPE'])
  })

  it('never hold a secret value, only a digest salted per cache', () => {
    const env = { DIB_ADMIN_PASSWORD: 'hunter2-very-secret' }
    const [a] = environmentParts(env, 'salt-a')
    const [b] = environmentParts(env, 'salt-b')
    expect(JSON.stringify(a)).not.toContain('hunter2')
    expect(a!.digest).not.toBe(b!.digest)
    expect(environmentParts({ DIB_ADMIN_PASSWORD: 'other-secret' }, 'salt-a')[0]!.digest).not.toBe(
      a!.digest,
    )
  })
})
