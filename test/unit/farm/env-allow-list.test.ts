import { describe, expect, it } from 'vitest'
import { jobEnvironment, travellingEnv } from '../../../src/farm/env-allow-list.ts'

describe('travellingEnv()', () => {
  const submitter = {
    PATH: '/usr/bin',
    HOME: '/home/me',
    TMPDIR: '/home/me/tmp',
    SSH_AUTH_SOCK: '/run/agent',
    AWS_SECRET_ACCESS_KEY: 'aws-key',
    ELEMENTS_PATH: '/home/me/elements',
    IMAGEWRIGHT_JSON_LOG: '/home/me/log.jsonl',
    DIB_RELEASE: 'bookworm',
    DIB_IMAGE_CACHE: '/home/me/.cache',
    DIB_LOCKFILES: '/home/me/locks',
    FS_TYPE: 'xfs',
    SOURCE_DATE_EPOCH: '1700000000',
    DIB_ADMIN_PASSWORD: 'hunter22',
    DIB_GITHUB_TOKEN: 'ghp_x',
    UNSET: undefined,
  }

  it("sends DIB_* settings and the plain names the build reads, and nothing that names the submitter's files", () => {
    const { plain } = travellingEnv(submitter)
    expect(plain).toEqual({
      DIB_RELEASE: 'bookworm',
      FS_TYPE: 'xfs',
      SOURCE_DATE_EPOCH: '1700000000',
    })
  })

  it('keeps credentials apart, to be sealed, never among the plain values', () => {
    const { plain, secret } = travellingEnv(submitter)
    expect(secret).toEqual({ DIB_ADMIN_PASSWORD: 'hunter22', DIB_GITHUB_TOKEN: 'ghp_x' })
    expect(JSON.stringify(plain)).not.toContain('hunter22')
  })

  it('sends a variable named with --env (when set), sealing one named like a credential', () => {
    const { plain, secret } = travellingEnv({ ...submitter, HTTP_PROXY: 'http://proxy:3128' }, [
      'HTTP_PROXY',
      'AWS_SECRET_ACCESS_KEY',
      'NOT_SET',
    ])
    expect(plain['HTTP_PROXY']).toBe('http://proxy:3128')
    expect(secret['AWS_SECRET_ACCESS_KEY']).toBe('aws-key')
    expect(plain).not.toHaveProperty('AWS_SECRET_ACCESS_KEY')
    expect(plain).not.toHaveProperty('NOT_SET')
  })
})

describe('jobEnvironment()', () => {
  it("lays the job's settings over the worker's, drops the worker's own sinks and points ELEMENTS_PATH at the archive", () => {
    const worker = {
      PATH: '/usr/sbin:/usr/bin',
      DIB_IMAGE_CACHE: '/var/cache/iw',
      DIB_RELEASE: 'bullseye',
      IMAGEWRIGHT_DB: 'postgres://x',
      ELEMENTS_PATH: '/srv/e',
      IMAGEWRIGHT_JSON_LOG: '/x',
    }
    const env = jobEnvironment(
      worker,
      { plain: { DIB_RELEASE: 'bookworm' }, secret: { DIB_ADMIN_PASSWORD: 'hunter22' } },
      '/tmp/iw-job-1/elements',
    )
    expect(env).toEqual({
      PATH: '/usr/sbin:/usr/bin',
      DIB_IMAGE_CACHE: '/var/cache/iw',
      DIB_RELEASE: 'bookworm',
      DIB_ADMIN_PASSWORD: 'hunter22',
      ELEMENTS_PATH: '/tmp/iw-job-1/elements',
    })
  })

  it('gives no ELEMENTS_PATH when the job carries no elements of its own', () => {
    expect(
      jobEnvironment({ ELEMENTS_PATH: '/srv/e' }, { plain: {}, secret: {} }, undefined),
    ).toEqual({})
  })
})
