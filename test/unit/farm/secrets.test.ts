import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { openSecrets, parseFarmKey, sealSecrets } from '../../../src/farm/secrets.ts'

const key = randomBytes(32)

describe('sealSecrets() and openSecrets()', () => {
  it('round-trips values, and the sealed form holds none of them', () => {
    const sealed = sealSecrets(
      { DIB_ADMIN_PASSWORD: 'hunter22', DIB_TOKEN: 'ghp_abc' },
      key,
      'job-1',
    )
    expect(JSON.stringify(sealed)).not.toMatch(/hunter22|ghp_abc/)
    expect(openSecrets(sealed, key, 'job-1')).toEqual({
      DIB_ADMIN_PASSWORD: 'hunter22',
      DIB_TOKEN: 'ghp_abc',
    })
  })

  it('seals the same value differently each time (fresh nonce)', () => {
    const a = sealSecrets({ DIB_X_PASSWORD: 'same' }, key, 'job-1')['DIB_X_PASSWORD']
    const b = sealSecrets({ DIB_X_PASSWORD: 'same' }, key, 'job-1')['DIB_X_PASSWORD']
    expect(a?.data).not.toBe(b?.data)
  })

  it('refuses another key, another job, another name and an altered value', () => {
    const sealed = sealSecrets({ DIB_ADMIN_PASSWORD: 'hunter22' }, key, 'job-1')
    const value = sealed['DIB_ADMIN_PASSWORD']
    if (value === undefined) throw new Error('not sealed')
    expect(() => openSecrets(sealed, randomBytes(32), 'job-1')).toThrow(
      /farm key is not the submitter's/,
    )
    expect(() => openSecrets(sealed, key, 'job-2')).toThrow(
      /secret DIB_ADMIN_PASSWORD of job job-2/,
    )
    expect(() => openSecrets({ DIB_OTHER_PASSWORD: value }, key, 'job-1')).toThrow(
      /DIB_OTHER_PASSWORD/,
    )
    const flipped = Buffer.from(value.data, 'base64')
    flipped[0] = (flipped[0] ?? 0) ^ 1
    expect(() =>
      openSecrets(
        { DIB_ADMIN_PASSWORD: { ...value, data: flipped.toString('base64') } },
        key,
        'job-1',
      ),
    ).toThrow(/altered/)
  })

  it('needs a key only when there is something to open', () => {
    expect(openSecrets({}, undefined, 'job-1')).toEqual({})
    const sealed = sealSecrets({ DIB_ADMIN_PASSWORD: 'hunter22' }, key, 'job-1')
    expect(() => openSecrets(sealed, undefined, 'job-1')).toThrow(/this worker has no farm key/)
  })
})

describe('parseFarmKey()', () => {
  it.each([
    ['64 hex digits', `${key.toString('hex')}\n`],
    ['base64', key.toString('base64')],
  ])('reads %s', (_, text) => {
    expect(parseFarmKey(text, 'k').equals(key)).toBe(true)
  })

  it.each([
    ['too short', 'abcd'],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['not base64', 'x'.repeat(44)],
  ])('refuses a key that is %s, naming the file', (_, text) => {
    expect(() => parseFarmKey(text, '/etc/imagewright/farm.key')).toThrow(
      /Cannot use the farm key in \/etc\/imagewright\/farm.key/,
    )
  })
})
