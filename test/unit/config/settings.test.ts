import { describe, expect, it } from 'vitest'
import { parseDibCommandLine, readDibFlags } from '../../../src/cli/dib-options.ts'
import {
  checkSettings,
  givenSettings,
  readSetting,
  SETTINGS,
} from '../../../src/config/settings.ts'
import { ConfigError } from '../../../src/errors.ts'

describe('readSetting()', () => {
  it('reads a variable with its row: default, empty as unset, parsed value', () => {
    expect(readSetting({}, 'stateDir')).toBe('/run/imagewright/builds')
    expect(readSetting({ IMAGEWRIGHT_STATE_DIR: '' }, 'stateDir')).toBe('/run/imagewright/builds')
    expect(readSetting({ IMAGEWRIGHT_STATE_DIR: '/srv/s' }, 'stateDir')).toBe('/srv/s')
    expect(readSetting({ SOURCE_DATE_EPOCH: '1700000000' }, 'sourceDateEpoch')).toBe(1_700_000_000)
    expect(readSetting({ TMP_DIR: '/t' }, 'tmpDir')).toBe('/t')
    expect(readSetting({ TMPDIR: '/a', TMP_DIR: '/t' }, 'tmpDir')).toBe('/a')
    expect(readSetting({ break: 'before-install, after-error' }, 'breakPoints')).toEqual(
      new Set(['before-install', 'after-error']),
    )
  })
})

describe('checkSettings()', () => {
  it.each([
    [
      { SOURCE_DATE_EPOCH: 'yesterday' },
      'SOURCE_DATE_EPOCH needs whole seconds since 1970: got "yesterday"',
    ],
    [{ RUN_PARTS_REGEX: '([' }, /^RUN_PARTS_REGEX is not a regular expression: /],
    [{ IMAGEWRIGHT_CACHE_MAX_SIZE: 'lots' }, /Cannot parse size "lots"/],
    [{ DIB_BLOCK_SIZE: '4k' }, /DIB_BLOCK_SIZE "4k"/],
  ])('refuses %o before the build starts', (env, message) => {
    expect(() => checkSettings(env)).toThrow(ConfigError)
    expect(() => checkSettings(env)).toThrow(message)
    expect(() => parseDibCommandLine(['vm'], { HOME: '/h', ...env })).toThrow(message)
  })

  it('leaves variables only elements read alone', () => {
    expect(SETTINGS.altInitPackage.elementsOnly).toBe(true)
    expect(() => checkSettings({ DIB_DEBIAN_ALT_INIT_PACKAGE: 'anything' })).not.toThrow()
  })
})

describe('givenSettings()', () => {
  it('shows what the user typed, the option over its variable', () => {
    const { flags } = readDibFlags(['-x', '-x', '--no-tmpfs', '-o', 'deb', '--image-size=3', 'vm'])
    const shown = givenSettings(flags, { DIB_IMAGE_SIZE: '9', FS_TYPE: 'xfs', PATH: '/bin' }).map(
      (s) => s.shown,
    )
    expect(shown).toEqual(['-o deb', '-x (2 times)', '--image-size 3', '--no-tmpfs', 'FS_TYPE=xfs'])
  })
})
