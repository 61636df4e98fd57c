import { describe, expect, it } from 'vitest'
import { parseParamsFile, requireParamPath } from '../../../src/blockdevice/state/params-file.ts'
import { ConfigError } from '../../../src/errors.ts'

// As disk-image-create writes it: init keys first, image-size and root-fs-opts appended later.
const DIB_PARAMS = `config: /tmp/dib_build.x/block-device/config.yaml
image-dir: /tmp/dib_image.y
root-fs-type: ext4
root-label: cloudimg-rootfs
mount-base: /tmp/dib_build.x/mnt
build-dir: /tmp/dib_build.x
image-size: 2097152KiB
root-fs-opts: -i 4096 -J size=64
`

describe('parseParamsFile()', () => {
  it('reads every DIB params key', () => {
    const { params, warnings } = parseParamsFile(DIB_PARAMS, 'params.yaml', '/work')
    expect(params).toEqual({
      file: 'params.yaml',
      paths: {
        config: '/tmp/dib_build.x/block-device/config.yaml',
        'image-dir': '/tmp/dib_image.y',
        'mount-base': '/tmp/dib_build.x/mnt',
        'build-dir': '/tmp/dib_build.x',
      },
      rootFsType: 'ext4',
      rootLabel: 'cloudimg-rootfs',
      imageSizeBytes: 2 * 1024 ** 3,
      rootFsOpts: ['-i', '4096', '-J', 'size=64'],
    })
    expect(warnings).toEqual([])
  })

  it.each([
    ['root-label:\n', undefined],
    ["root-label: ''\n", undefined],
    ['root-label: null\n', undefined],
    ['root-label: img\n', 'img'],
  ])('reads %j as root label %j, as DIB turns an empty label into null', (text, label) => {
    expect(parseParamsFile(text, 'p.yaml', '/').params.rootLabel).toBe(label)
  })

  it('takes relative paths from the working directory', () => {
    const { params } = parseParamsFile('build-dir: build\nconfig: ../c.yaml\n', 'p.yaml', '/w/x')
    expect(params.paths).toEqual({ 'build-dir': '/w/x/build', config: '/w/c.yaml' })
  })

  it('leaves out what is absent: no type means ext4 later, no size, no opts', () => {
    const { params } = parseParamsFile('build-dir: /b\n', 'p.yaml', '/')
    expect(params).toMatchObject({
      rootFsType: '',
      imageSizeBytes: undefined,
      rootFsOpts: undefined,
    })
    expect(parseParamsFile('', 'p.yaml', '/').params.paths).toEqual({})
  })

  it('accepts image-size as bytes and root-fs-opts as a list', () => {
    const { params } = parseParamsFile('image-size: 4096\nroot-fs-opts: [-m, "0"]\n', 'p', '/')
    expect(params.imageSizeBytes).toBe(4096)
    expect(params.rootFsOpts).toEqual(['-m', '0'])
  })

  it('warns about keys DIB does not know', () => {
    const { warnings } = parseParamsFile('build_dir: /b\nbuild-dir: /b\n', 'p.yaml', '/')
    expect(warnings).toEqual(['p.yaml:1:1: Ignoring unknown key "build_dir"'])
  })

  it.each([
    ['build-dir: [a]\n', /^p\.yaml:1:12: Cannot use "build-dir": expected a string/],
    [
      'config: c\nimage-size: lots\n',
      /^p\.yaml:2:13: Cannot use "image-size": Cannot parse size "lots"/,
    ],
    ['image-size: 50%\n', /^p\.yaml:1:13: Cannot use "image-size".*percentage/],
    [
      'root-fs-opts: {a: 1}\n',
      /^p\.yaml:1:15: Cannot use "root-fs-opts": expected a string of options/,
    ],
    ['- a\n- b\n', /p\.yaml: Cannot read block-device params: expected a map of keys/],
    ['a: [\n', /p\.yaml: Cannot parse block-device params/],
  ])('refuses %j', (text, message) => {
    expect(() => parseParamsFile(text, 'p.yaml', '/')).toThrow(ConfigError)
    expect(() => parseParamsFile(text, 'p.yaml', '/')).toThrow(message)
  })
})

describe('requireParamPath()', () => {
  const { params } = parseParamsFile('build-dir: /b\n', 'p.yaml', '/')

  it('returns a present path', () => {
    expect(requireParamPath(params, 'build-dir', 'create block devices')).toBe('/b')
  })

  it('names the file, the key and what needed it', () => {
    expect(() => requireParamPath(params, 'mount-base', 'create block devices')).toThrow(
      'Cannot create block devices: "p.yaml" has no "mount-base"',
    )
  })
})
