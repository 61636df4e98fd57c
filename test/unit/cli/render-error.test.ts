import { describe, expect, it } from 'vitest'
import { exitCodeOf, renderError } from '../../../src/cli/render-error.ts'
import { HookFailedError } from '../../../src/errors.ts'
import { failureOf } from '../../../src/report/outcome.ts'
import { AsyncStack } from '../../../src/util/async-stack.ts'
import { releasedWithHint } from '../../../src/util/release-errors.ts'

const busy = (): AsyncStack => {
  const stack = new AsyncStack()
  stack.defer('mount /tmp/dib_build.x/mnt', () => {
    throw new Error('umount: target is busy')
  })
  return stack
}

/** What `await using` makes of a failed step whose resource then fails to release. */
async function failingStepWithBusyMount(): Promise<unknown> {
  try {
    await using _resource = releasedWithHint(busy())
    throw new HookFailedError('Script "install.d/50-x" of element "x" exited with status 7')
  } catch (error) {
    return error
  }
}

describe('a failure to release resources', () => {
  it("shows the build's own error first, its exit code, what is still held and the cleanup hint", async () => {
    const error = await failingStepWithBusyMount()
    const text = renderError(error, false)
    expect(text).not.toContain('Internal error')
    expect(text).toContain('Error: Script "install.d/50-x" of element "x" exited with status 7')
    expect(text).toContain('Cannot release mount /tmp/dib_build.x/mnt: umount: target is busy')
    expect(text).toContain('Code: ERR_HOOK_FAILED')
    expect(text).toContain('imagewright cleanup')
    expect(exitCodeOf(error)).toBe(5)
    expect(failureOf(error).code).toBe('ERR_HOOK_FAILED')
  })

  it('after a successful build is an error of its own (exit 6) with the cleanup hint', async () => {
    let error: unknown
    try {
      await using _resource = releasedWithHint(busy())
    } catch (e) {
      error = e
    }
    const text = renderError(error, false)
    expect(text).toContain(
      "Error: Releasing the build's resources failed: Cannot release mount /tmp/dib_build.x/mnt: umount: target is busy",
    )
    expect(text).toContain('Code: ERR_RELEASE')
    expect(text).toContain('Try this: Run "imagewright cleanup"')
    expect(exitCodeOf(error)).toBe(6)
  })

  it('names an internal error hidden behind a release failure', async () => {
    let error: unknown
    try {
      await using _resource = releasedWithHint(busy())
      throw new TypeError('x is undefined')
    } catch (e) {
      error = e
    }
    const text = renderError(error, false)
    expect(text).toContain('TypeError: x is undefined')
    expect(text).toContain('imagewright cleanup')
  })
})
