import { describe, expect, it } from 'vitest'
import {
  digestFor,
  newestMatching,
  parseChecksumFile,
} from '../../../../src/element-tools/cloud-image/checksum-file.ts'

const A = 'a'.repeat(64)
const B = 'B'.repeat(64)
const C = 'c'.repeat(64)

describe('parseChecksumFile', () => {
  it('reads BSD lines (CentOS, Rocky, Fedora CHECKSUM) inside PGP armour, skipping other digests', () => {
    const text = [
      '-----BEGIN PGP SIGNED MESSAGE-----',
      'Hash: SHA256',
      '',
      '# CentOS-Stream-GenericCloud-9-20250101.0.x86_64.qcow2: 1234 bytes',
      `SHA256 (CentOS-Stream-GenericCloud-9-20250101.0.x86_64.qcow2) = ${A}`,
      `MD5 (CentOS-Stream-GenericCloud-9-20250101.0.x86_64.qcow2) = ${'d'.repeat(32)}`,
      `SHA256 (name with (parens).qcow2) = ${B}`,
      '-----BEGIN PGP SIGNATURE-----',
      'iQIzBAEBCAAdFiEE',
    ].join('\n')
    expect(parseChecksumFile(text)).toEqual([
      { name: 'CentOS-Stream-GenericCloud-9-20250101.0.x86_64.qcow2', sha256: A },
      { name: 'name with (parens).qcow2', sha256: B.toLowerCase() },
    ])
  })

  it('reads coreutils lines (SHA256SUMS) in binary and text mode, and ./ prefixes', () => {
    const text = `${A} *disk one.qcow2\n${C}  ./disk-two.qcow2\r\nnot a line\n${'e'.repeat(63)}  short.qcow2\n`
    expect(parseChecksumFile(text)).toEqual([
      { name: 'disk one.qcow2', sha256: A },
      { name: 'disk-two.qcow2', sha256: C },
    ])
  })

  it('finds a digest by exact name only', () => {
    const entries = parseChecksumFile(`${A}  x.qcow2\n`)
    expect(digestFor(entries, 'x.qcow2')).toBe(A)
    expect(digestFor(entries, 'x.qcow')).toBeUndefined()
  })
})

describe('newestMatching', () => {
  it('picks the last matching name in natural order (9.10 after 9.9)', () => {
    const entries = [
      'Rocky-9-GenericCloud-Base-9.9-20250101.0.x86_64.qcow2',
      'Rocky-9-GenericCloud-Base-9.10-20250601.0.x86_64.qcow2',
      'Rocky-9-GenericCloud-Base-9.10-20250601.0.aarch64.qcow2',
      'Rocky-9-GenericCloud-Base.latest.x86_64.qcow2',
    ].map((name) => ({ name, sha256: A }))
    expect(
      newestMatching(entries, /^Rocky-9-GenericCloud-Base-[\d.]+-\d{8}\.\d+\.x86_64\.qcow2$/),
    ).toBe('Rocky-9-GenericCloud-Base-9.10-20250601.0.x86_64.qcow2')
    expect(newestMatching(entries, /^nothing$/)).toBeUndefined()
  })

  it('takes a newer .xz over an older plain image, and the plain one of the same image', () => {
    const pattern = /^CentOS-Stream-GenericCloud-9-\d{8}\.\d+\.x86_64\.qcow2(\.xz)?$/
    const name = (date: string, xz: boolean): { name: string; sha256: string } => ({
      name: `CentOS-Stream-GenericCloud-9-${date}.0.x86_64.qcow2${xz ? '.xz' : ''}`,
      sha256: A,
    })
    expect(newestMatching([name('20260201', true), name('20260101', false)], pattern)).toBe(
      'CentOS-Stream-GenericCloud-9-20260201.0.x86_64.qcow2.xz',
    )
    for (const order of [
      [name('20260201', false), name('20260201', true)],
      [name('20260201', true), name('20260201', false)],
    ])
      expect(newestMatching(order, pattern)).toBe(
        'CentOS-Stream-GenericCloud-9-20260201.0.x86_64.qcow2',
      )
  })
})
