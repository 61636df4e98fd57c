// debootstrap (DIB's debootstrap element) copies the host's resolv.conf into the new root; the
// build drops exactly that copy and leaves any other resolver configuration alone.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { dropCopiedHostResolver } from '../../src/pipeline/root-tree.ts'
import { silentReporter } from '../../src/report/events.ts'

const work = mkdtempSync('/var/tmp/iw-resolver-')
afterAll(() => rmSync(work, { recursive: true, force: true }))
const HOST = 'nameserver 10.0.0.53\nsearch build.example\n'

function root(name: string, make: (etc: string) => void): string {
  const dir = join(work, name)
  mkdirSync(join(dir, 'etc'), { recursive: true })
  make(join(dir, 'etc'))
  return dir
}

describe('dropCopiedHostResolver()', () => {
  it("removes a resolv.conf that is the build host's", async () => {
    const dir = root('copied', (etc) => writeFileSync(join(etc, 'resolv.conf'), HOST))
    await dropCopiedHostResolver(dir, HOST, silentReporter)
    expect(existsSync(join(dir, 'etc/resolv.conf'))).toBe(false)
  })

  it("keeps the image's own resolver configuration and a symlink", async () => {
    const own = root('own', (etc) =>
      writeFileSync(join(etc, 'resolv.conf'), 'nameserver 192.0.2.1\n'),
    )
    await dropCopiedHostResolver(own, HOST, silentReporter)
    expect(readFileSync(join(own, 'etc/resolv.conf'), 'utf8')).toBe('nameserver 192.0.2.1\n')
    const linked = root('linked', (etc) =>
      symlinkSync('../run/systemd/resolve/stub-resolv.conf', join(etc, 'resolv.conf')),
    )
    await dropCopiedHostResolver(linked, HOST, silentReporter)
    expect(lstatSync(join(linked, 'etc/resolv.conf')).isSymbolicLink()).toBe(true)
    await dropCopiedHostResolver(
      root('none', () => undefined),
      HOST,
      silentReporter,
    )
  })
})
