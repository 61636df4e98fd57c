// package-installs.yaml is checked by a schema, and every complaint says where: file:line:col.
import { describe, expect, it } from 'vitest'
import { dataPositions, parseDataText } from '../../../src/element-tools/data-file.ts'
import { parsePackageInstalls } from '../../../src/element-tools/package-installs/params.ts'
import { ConfigError } from '../../../src/errors.ts'

const FILE = '/el/package-installs.yaml'
const parse = (text: string) =>
  parsePackageInstalls(parseDataText(text, FILE), FILE, dataPositions(text, FILE))

describe('package-installs.yaml positions', () => {
  it.each([
    [
      'a bad flag',
      'curl:\nthing:\n  uninstall: sometimes\n',
      `${FILE}:3:14: package "thing" has uninstall: "sometimes"; use true or false`,
    ],
    [
      'a bad phase in a list of maps',
      'thing:\n  - phase: install.d\n  - phase: ../etc\n',
      `${FILE}:3:12: package "thing" has phase "../etc"`,
    ],
    [
      'a bad when entry',
      'thing:\n  when:\n    - DIB_X = 1\n    - nonsense\n',
      `${FILE}:4:7: package "thing" has malformed when "nonsense"`,
    ],
    [
      'parameters that are not a map',
      'thing: just-a-string\n',
      `${FILE}:1:8: parameters of package "thing" must be a map or a list of maps, found a string`,
    ],
    [
      'arch and not-arch together',
      'vim:\n  arch: amd64\n  not-arch: arm64\n',
      `${FILE}:2:3: package "vim" sets both "arch" and "not-arch"`,
    ],
    [
      'a package name read as an option',
      'ok:\n-rf:\n',
      `${FILE}:2:1: "-rf" is not a usable package name`,
    ],
    [
      'JSON, read as DIB reads it',
      '{\n  "thing": {"build-only": 7}\n}\n',
      `${FILE}:2:27: package "thing" has build-only: 7`,
    ],
  ])('points at %s', (_what, text, message) => {
    expect(() => parse(text)).toThrow(ConfigError)
    expect(() => parse(text)).toThrow(message)
  })

  it('puts the position in warnings too', () => {
    expect(parse('a:\n  buildonly: true\nb:\n  phase: finalise.d\n').warnings).toEqual([
      `${FILE}:2:3: package "a" has unknown key "buildonly", which is ignored`,
      expect.stringMatching(new RegExp(`^${FILE}:4:10: package "b" uses phase "finalise.d"`)),
    ])
  })
})
