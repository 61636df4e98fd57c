import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { redactedEnvironment } from '../../../src/pipeline/plan-build.ts'
import { writeFileAtomically } from '../../../src/report/write-atomically.ts'
import {
  SECRET_NAME,
  containsSecretToken,
  isSecretName,
  makeRedactor,
  redactDeep,
  secretValues,
} from '../../../src/util/secrets.ts'

const REPO = join(import.meta.dirname, '..', '..', '..')

describe('the secret-name list', () => {
  it.each([
    'DIB_DEV_USER_PASSWORD',
    'DIB_ROOT_PASSWD',
    'DIB_SIGNING_PASSPHRASE',
    'DIB_CLIENT_SECRET',
    'DIB_API_TOKEN',
    'DIB_CLOUD_CREDENTIAL',
    'DIB_APT_KEY',
  ])('counts %s', (name) => {
    expect(isSecretName(name)).toBe(true)
  })

  it.each([
    'DIB_RELEASE',
    'DIB_DEV_USER_USERNAME',
    'DIB_DEBIAN_KEYRING',
    'DIB_DEV_USER_AUTHORIZED_KEYS',
  ])('leaves %s alone', (name) => {
    expect(isSecretName(name)).toBe(false)
  })

  it('is the one the manifests element redacts with', () => {
    const text = readFileSync(join(REPO, 'elements/manifests/cleanup.d/01-copy-manifests'), 'utf8')
    const shell = /\[\[ \$name =~ \((.*)\) \]\]/.exec(text)?.[1]
    expect(shell).toBe(SECRET_NAME.source)
  })

  it('gives the hygiene scan values of DIB_ secrets long enough to search for', () => {
    expect(
      secretValues({
        DIB_X_PASSWORD: 'hunter22',
        DIB_Y_TOKEN: 'abc',
        OTHER_PASSWORD: 'longenough',
        DIB_RELEASE: 'bookworm',
      }),
    ).toEqual([{ name: 'DIB_X_PASSWORD', value: 'hunter22' }])
  })
})

describe('containsSecretToken() (the hygiene scan)', () => {
  it('finds a value standing alone, in an assignment or quoted', () => {
    expect(containsSecretToken('password=secret\n', 'secret')).toBe(true)
    expect(containsSecretToken('secret', 'secret')).toBe(true)
    expect(containsSecretToken('pw: "secret"', 'secret')).toBe(true)
    expect(containsSecretToken('key=hunter2-very-secret;', 'hunter2-very-secret')).toBe(true)
  })

  it('ignores a value inside a longer word, as stock files hold everyday words', () => {
    expect(containsSecretToken('# see chap-secrets and client_secret_file', 'secret')).toBe(false)
    expect(containsSecretToken('topsecret', 'secret')).toBe(false)
  })

  it('finds a later whole occurrence after one inside a word', () => {
    expect(containsSecretToken('secrets; then secret', 'secret')).toBe(true)
  })

  it('needs no boundary where the value itself ends in punctuation', () => {
    expect(containsSecretToken('x!pass1!y', '!pass1!')).toBe(true)
  })
})

describe('redaction', () => {
  const redact = makeRedactor({ DIB_DEV_USER_PASSWORD: 's3cr3t-pw', DIB_API_TOKEN: 'tok-123456' })

  it('hides every secret value in text and in events', () => {
    expect(redact('+ printf %s s3cr3t-pw | chpasswd; tok-123456')).toBe(
      '+ printf %s *** | chpasswd; ***',
    )
    expect(
      redactDeep({ kind: 'output', line: 'pw=s3cr3t-pw', n: 3, list: ['tok-123456'] }, redact),
    ).toEqual({ kind: 'output', line: 'pw=***', n: 3, list: ['***'] })
  })

  it('shows plan the names of secret variables but not their values, in DIB_ENV too', () => {
    const env = { DIB_DEV_USER_PASSWORD: 'pa$$"word', DIB_RELEASE: 'bookworm' }
    const shown = redactedEnvironment(
      [
        ['DIB_DEV_USER_PASSWORD', 'pa$$"word'],
        ['DIB_RELEASE', 'bookworm'],
        [
          'DIB_ENV',
          'declare -x DIB_DEV_USER_PASSWORD="pa\\$\\$\\"word"\ndeclare -x DIB_RELEASE="bookworm"',
        ],
      ],
      env,
    )
    expect(shown).toEqual({
      DIB_DEV_USER_PASSWORD: '***',
      DIB_RELEASE: 'bookworm',
      DIB_ENV: 'declare -x DIB_DEV_USER_PASSWORD="***"\ndeclare -x DIB_RELEASE="bookworm"',
    })
  })
})

describe('writeFileAtomically()', () => {
  it('never follows a symlink planted where its temporary file used to go, and is owner-only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iw-report-'))
    try {
      const victim = join(dir, 'victim')
      writeFileSync(victim, 'precious\n')
      symlinkSync(victim, join(dir, `.report.html.${process.pid}.tmp`))
      writeFileAtomically(join(dir, 'report.html'), '<html></html>\n')
      expect(readFileSync(victim, 'utf8')).toBe('precious\n')
      expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe('<html></html>\n')
      expect(statSync(join(dir, 'report.html')).mode & 0o777).toBe(0o600)
      expect(readdirSync(dir).sort()).toEqual([
        `.report.html.${process.pid}.tmp`,
        'report.html',
        'victim',
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
