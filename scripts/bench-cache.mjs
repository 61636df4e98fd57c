// The step cache's rows of `npm run bench` (docs/cache.md): the same build cold (empty cache),
// warm (unchanged: the stored image), after an edit of one install.d script (root.d from the
// cache) and after an edit of one finalise.d script (the tree from the cache).
// BENCH_DEBIAN=1 adds the sequence for debian-minimal vm (qcow2).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

function writeEdited(dir, value) {
  for (const [phase, name] of [
    ['install.d', '50-bench-install'],
    ['finalise.d', '50-bench-finalise'],
  ]) {
    mkdirSync(join(dir, 'bench-edit', phase), { recursive: true })
    const path = join(dir, 'bench-edit', phase, name)
    writeFileSync(path, `#!/bin/bash\nset -eu\necho ${value[phase] ?? 0} > /etc/${name}\n`)
    chmodSync(path, 0o755)
  }
}

/** Rows "| case | seconds | peak RSS MiB |" for each sequence; `measure(args, env, cwd)` times one run. */
export async function benchCache({ dib, hostOs, measure }) {
  const sequences = [
    { name: 'host-os, tar+raw', args: ['-n', '-t', 'tar,raw', 'host-os', 'bench-edit'], env: {} },
  ]
  if (process.env.BENCH_DEBIAN === '1') {
    sequences.push({
      name: 'debian-minimal vm, qcow2',
      args: ['debian-minimal', 'vm', 'bench-edit'],
      env: { DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1' },
    })
  }
  const rows = []
  for (const sequence of sequences) {
    const work = mkdtempSync('/var/tmp/iw-bench-cache-')
    try {
      const elements = join(work, 'elements')
      const env = {
        ...sequence.env,
        ELEMENTS_PATH: `${elements}:${hostOs}`,
        DIB_IMAGE_CACHE: join(work, 'cache'),
        IMAGEWRIGHT_NO_CACHE: '0',
        OVERWRITE_OLD_IMAGE: '1',
      }
      // The bootstrap tarball is shared with the tests (a cold step cache, not a cold mirror).
      if (sequence.env.DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE)
        env.DIB_IMAGE_CACHE = '/var/tmp/imagewright-test-cache'
      const run = async (label) => {
        const result = await measure([dib, '-o', 'img', ...sequence.args], env, work)
        rows.push(
          `| ${sequence.name}: ${label} | ${result.seconds.toFixed(2)} | ${result.peakMiB.toFixed(0)} |`,
        )
        process.stdout.write(`${rows.at(-1)}\n`)
      }
      writeEdited(elements, {})
      await run('cold (empty step cache)')
      await run('warm (unchanged)')
      writeEdited(elements, { 'install.d': 1 })
      await run('one install.d script edited')
      writeEdited(elements, { 'install.d': 1, 'finalise.d': 1 })
      await run('one finalise.d script edited')
    } finally {
      if (sequence.env.DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE)
        rmSync(join('/var/tmp/imagewright-test-cache', 'imagewright-steps'), {
          recursive: true,
          force: true,
        })
      rmSync(work, { recursive: true, force: true })
    }
  }
  return rows
}
