import { describe, expect, it } from 'vitest'
import { parseDibCommandLine } from '../../../src/cli/dib-options.ts'
import { UsageError } from '../../../src/errors.ts'

const ramdisk = (argv: string[], env: Record<string, string> = {}) => {
  const command = parseDibCommandLine(argv, { HOME: '/home/u', ...env }, 'ramdisk')
  if (command.kind !== 'build') throw new Error(`expected a build, got ${command.kind}`)
  return command.options
}

describe('ramdisk-image-create command line', () => {
  it('puts the default ramdisk element in front of the elements given', () => {
    const o = ramdisk(['-o', 'deploy', 'debian-minimal', 'iso'])
    expect(o.ramdiskElement).toBe('ramdisk')
    expect(o.elements).toEqual(['ramdisk', 'debian-minimal', 'iso'])
    expect(o.imageName).toBe('deploy')
  })

  it('takes the ramdisk element from --ramdisk-element over RAMDISK_ELEMENT', () => {
    expect(ramdisk(['debian-minimal'], { RAMDISK_ELEMENT: 'dracut-ramdisk' }).elements).toEqual([
      'dracut-ramdisk',
      'debian-minimal',
    ])
    expect(
      ramdisk(['--ramdisk-element', 'rootfs-ramdisk', 'debian-minimal'], {
        RAMDISK_ELEMENT: 'dracut-ramdisk',
      }).elements,
    ).toEqual(['rootfs-ramdisk', 'debian-minimal'])
    // An empty variable counts as unset, as in DIB's ${RAMDISK_ELEMENT:-ramdisk}.
    expect(ramdisk(['debian-minimal'], { RAMDISK_ELEMENT: '' }).ramdiskElement).toBe('ramdisk')
  })

  it('still needs an element of its own', () => {
    expect(() => ramdisk(['-o', 'x'])).toThrow(UsageError)
  })

  it('leaves disk-image-create alone: --ramdisk-element is accepted and ignored there', () => {
    const command = parseDibCommandLine(['--ramdisk-element', 'ramdisk', 'debian-minimal', 'vm'], {
      HOME: '/h',
    })
    if (command.kind !== 'build') throw new Error('expected a build')
    expect(command.options.ramdiskElement).toBeUndefined()
    expect(command.options.elements).toEqual(['debian-minimal', 'vm'])
  })
})
