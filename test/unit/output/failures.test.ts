import { describe, expect, it } from 'vitest'
import { ConfigError, HostRequirementError, OutputError } from '../../../src/errors.ts'
import { CommandFailedError, type CommandFailure } from '../../../src/exec/errors.ts'
import { gzipTool, missingToolError, toOutputError } from '../../../src/output/failures.ts'

function failure(overrides: Partial<CommandFailure>): CommandFailure {
  return {
    argv: ['qemu-img', 'convert'],
    label: 'qemu-img convert (qcow2)',
    exitCode: 1,
    signal: undefined,
    tail: [],
    durationMs: 5,
    timedOut: false,
    ...overrides,
  }
}

const what = { type: 'qcow2', path: '/o/deb.qcow2' }

describe('toOutputError', () => {
  it('names the output, the tool and its last error line, keeping the tool error as cause', () => {
    const tail = ['converting', 'qemu-img: error while writing: No space left on device', '']
    const cause = new CommandFailedError(failure({ tail }))
    const error = toOutputError(cause, what)
    expect(error).toBeInstanceOf(OutputError)
    expect(error.message).toBe(
      'Cannot write "qcow2" output "/o/deb.qcow2": qemu-img failed with exit code 1: ' +
        'qemu-img: error while writing: No space left on device',
    )
    expect(error.cause).toBe(cause)
  })

  it('turns a missing tool into a host requirement naming the package', () => {
    const enoent = Object.assign(new Error('spawn mksquashfs ENOENT'), { code: 'ENOENT' })
    const cause = new CommandFailedError(
      failure({ argv: ['mksquashfs'], exitCode: undefined }),
      enoent,
    )
    const error = toOutputError(cause, { type: 'squashfs', path: '/o/x.squashfs' })
    expect(error).toBeInstanceOf(HostRequirementError)
    expect(error.message).toBe(
      'Cannot write "squashfs" output "/o/x.squashfs": "mksquashfs" is not installed',
    )
    expect(error.hint).toMatch(/"squashfs-tools"/)
  })

  it('passes builder errors through and explains ENOSPC', () => {
    const config = new ConfigError('Cannot use x')
    expect(toOutputError(config, what)).toBe(config)
    const full = Object.assign(new Error('write failed'), { code: 'ENOSPC' })
    const error = toOutputError(full, what)
    expect(error.message).toBe(
      'Cannot write "qcow2" output "/o/deb.qcow2": no space left on the device',
    )
    expect(error.hint).toMatch(/free some space/)
  })

  it('reports a time-out', () => {
    const cause = new CommandFailedError(
      failure({ timedOut: true, exitCode: undefined, signal: 'SIGTERM' }),
    )
    expect(toOutputError(cause, what).message).toBe(
      'Cannot write "qcow2" output "/o/deb.qcow2": qemu-img timed out',
    )
  })
})

describe('missingToolError / gzipTool', () => {
  it('knows the packages of the tools we use', () => {
    expect(missingToolError('/usr/bin/qemu-img', 'Cannot x').hint).toMatch(/"qemu-utils"/)
    expect(missingToolError('zopfli', 'Cannot x').hint).toBe('install "zopfli" or put it on PATH')
  })

  it.each([
    [undefined, { command: 'gzip', debianPackage: 'gzip' }],
    ['pigz -p 2', { command: 'pigz', debianPackage: 'pigz' }],
    ['/opt/bin/zz', { command: '/opt/bin/zz', debianPackage: 'zz' }],
  ])('DIB_GZIP_BIN=%j → %j', (value, tool) => {
    expect(gzipTool(value)).toEqual(tool)
  })
})
