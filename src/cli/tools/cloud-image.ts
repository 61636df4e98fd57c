// cloud-image: the facts hooks need about a base cloud image (called by the ubuntu element's
// root.d script, outside the chroot). `cloud-image ubuntu` prints where Ubuntu's image and its
// SHA256SUMS are and where they are cached; `cloud-image checksum LIST NAME` prints the SHA-256 a
// checksum list (sha256sum or tagged format) gives for NAME.
import { readFileSync } from 'node:fs'
import { checksumFor } from '../../element-tools/cloud-image/checksum-file.ts'
import { ubuntuCloudImage } from '../../element-tools/cloud-image/ubuntu-image.ts'
import { shellQuote } from '../../element-tools/debian-release/shell-facts.ts'

const NAME = 'cloud-image'
const USAGE = `Usage: eval "$(cloud-image ubuntu)"
         prints CLOUD_IMAGE_FILE, CLOUD_IMAGE_URL, CLOUD_IMAGE_SUMS_URL, CLOUD_IMAGE_CACHED and
         CLOUD_IMAGE_SUMS_CACHED for DIB_RELEASE, ARCH, DIB_CLOUD_IMAGES, BASE_IMAGE_FILE,
         SHA256SUMS and DIB_IMAGE_CACHE
       cloud-image checksum LIST NAME
         prints the SHA-256 that the checksum file LIST gives for NAME`

function fail(message: string, code: number): void {
  process.stderr.write(`${NAME}: ${message}\n`)
  process.exitCode = code
}

const [command, ...rest] = process.argv.slice(2)
if (command === '--help' || command === '-h') {
  process.stdout.write(`${USAGE}\n`)
} else if (command === 'ubuntu' && rest.length === 0) {
  const spec = ubuntuCloudImage(process.env)
  const facts: [string, string][] = [
    ['CLOUD_IMAGE_FILE', spec.file],
    ['CLOUD_IMAGE_URL', spec.url],
    ['CLOUD_IMAGE_SUMS_URL', spec.sumsUrl],
    ['CLOUD_IMAGE_CACHED', spec.cachedFile],
    ['CLOUD_IMAGE_SUMS_CACHED', spec.cachedSums],
  ]
  process.stdout.write(facts.map(([key, value]) => `${key}=${shellQuote(value)}\n`).join(''))
} else if (command === 'checksum' && rest.length === 2) {
  const [list = '', name = ''] = rest
  let text: string | undefined
  try {
    text = readFileSync(list, 'utf8')
  } catch (error) {
    fail(`Cannot read the checksum list ${list}: ${(error as Error).message}`, 1)
  }
  if (text !== undefined) {
    const digest = checksumFor(text, name)
    if (digest === undefined) fail(`${list} has no SHA-256 entry for ${name}`, 1)
    else process.stdout.write(`${digest}\n`)
  }
} else {
  fail(`unknown arguments: ${process.argv.slice(2).join(' ') || '(none)'}\n${USAGE}`, 2)
}
