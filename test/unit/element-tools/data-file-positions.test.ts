// pkg-map and svc-map files are checked by schemas whose messages say file:line:col, for YAML
// and JSON alike (element data files are read as DIB reads them: JSON first, then YAML 1.1).
import { describe, expect, it } from 'vitest'
import { dataPositions, parseDataText } from '../../../src/element-tools/data-file.ts'
import { resolvePkgMap } from '../../../src/element-tools/pkg-map/resolve.ts'
import { mergeServiceMaps } from '../../../src/element-tools/svc-map/merge.ts'
import { ConfigError } from '../../../src/errors.ts'

describe('pkg-map positions', () => {
  const FILE = '/el/pkg-map'
  const resolve = (text: string) =>
    resolvePkgMap(
      parseDataText(text, FILE),
      { distro: 'debian', release: 'trixie' },
      FILE,
      dataPositions(text, FILE),
    )

  it.each([
    [
      'a dashed package in JSON',
      '{\n  "distro": {\n    "debian": {"vim": "vim -bad"}\n  }\n}\n',
      `${FILE}:3:23: Cannot read pkg-map: package "-bad" starts with "-"`,
    ],
    [
      'a name with a space',
      'default:\n  ok: ok\n  two words: x\n',
      `${FILE}:3:3: Cannot read pkg-map: "two words" is not a usable package name`,
    ],
    [
      'a list of numbers',
      'family:\n  debian:\n    vim: [1, 2]\n',
      `${FILE}:3:10: Cannot read pkg-map: expected a string of package names, found a list`,
    ],
    [
      'a section that is no map',
      'default: {}\nfamily: debian\n',
      `${FILE}:2:9: Cannot read pkg-map: section "family" must be an object`,
    ],
  ])('points at %s', (_what, text, message) => {
    expect(() => resolve(text)).toThrow(ConfigError)
    expect(() => resolve(text)).toThrow(message)
  })
})

describe('svc-map positions', () => {
  const FILE = '/el/svc-map'
  const merge = (text: string) =>
    mergeServiceMaps(
      [
        {
          element: 'el',
          file: FILE,
          data: parseDataText(text, FILE),
          positions: dataPositions(text, FILE),
        },
      ],
      'debian',
    )

  it.each([
    [
      'a mapped name bash cannot read',
      'sshd:\n  default: sshd\n  debian: two words\n',
      `${FILE}:3:11: Cannot read svc-map: "two words" is not a usable service name`,
    ],
    [
      'a mapping that is a list',
      'cron:\n  - crond\n',
      `${FILE}:2:3: Cannot read svc-map: service must map to {<distro>: name, <family>: name, default: name}, found a list`,
    ],
    [
      'a service name with a slash',
      'ok:\na/b:\n  default: x\n',
      `${FILE}:2:1: Cannot read svc-map: "a/b" is not a usable service name`,
    ],
  ])('points at %s', (_what, text, message) => {
    expect(() => merge(text)).toThrow(ConfigError)
    expect(() => merge(text)).toThrow(message)
  })
})
