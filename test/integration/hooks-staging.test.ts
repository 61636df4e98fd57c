// What the merged hooks tree carries for the chroot, and which host stand-ins only host-side
// hooks see: kpartx, dmsetup and sudo must never be copied into the image's hooks tree.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { HOST_TOOLS_DIR, LIB_DIR } from '../../src/util/package-paths.ts'
import { stageHooks } from '../../src/pipeline/prepare-elements.ts'
import { HELPERS_IN_HOOKS } from '../../src/phases/run-hook.ts'
import { REPO } from './elements-shell-fixture.ts'

const work = mkdtempSync('/var/tmp/iw-staging-')
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('stageHooks()', () => {
  it('copies the helper commands into the hooks tree, but not the host-only stand-ins', async () => {
    const hooks = join(work, 'hooks')
    await stageHooks(
      { searchPath: [], resolved: { elements: [], provided: new Map() }, builtins: [] },
      hooks,
    )
    const helpers = readdirSync(join(hooks, HELPERS_IN_HOOKS)).sort()
    expect(helpers).toContain('imagewright-run-hook')
    expect(helpers).toContain('dib-run-parts')
    for (const hostOnly of ['host', 'kpartx', 'dmsetup', 'sudo'])
      expect(helpers).not.toContain(hostOnly)
    expect(existsSync(join(hooks, 'dib-run-parts'))).toBe(true)
  })

  it('finds the libraries and the stand-ins in the package', () => {
    expect(LIB_DIR).toBe(join(REPO, 'lib'))
    expect(readdirSync(LIB_DIR)).toEqual(
      expect.arrayContaining([
        'common-defaults',
        'common-functions',
        'die',
        'img-defaults',
        'img-functions',
        'ramdisk-defaults',
      ]),
    )
    expect(readdirSync(HOST_TOOLS_DIR)).toEqual(
      expect.arrayContaining(['dmsetup', 'kpartx', 'loop-maps.bash', 'sudo']),
    )
  })
})
