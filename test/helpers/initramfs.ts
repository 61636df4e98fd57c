// The file list of an initramfs as the kernel unpacks it: any uncompressed cpio archives first
// (dracut's early microcode), then one gzip, zstd or xz compressed archive. Listed with cpio.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'

const MAX_BUFFER = 1024 * 1024 * 1024
const TRAILER = 'TRAILER!!!'

const listCpio = (archive: Buffer): string[] =>
  execFileSync('cpio', ['--quiet', '-t'], {
    input: archive,
    encoding: 'utf8',
    maxBuffer: MAX_BUFFER,
  })
    .split('\n')
    .filter((line) => line !== '')

function decompress(data: Buffer, path: string): Buffer {
  const magic = data.subarray(0, 6).toString('hex')
  if (magic.startsWith('1f8b')) return gunzipSync(data)
  if (magic.startsWith('28b52ffd'))
    return execFileSync('zstd', ['-dcq'], { input: data, maxBuffer: MAX_BUFFER })
  if (magic === 'fd377a585a00')
    return execFileSync('xz', ['-dc'], { input: data, maxBuffer: MAX_BUFFER })
  throw new Error(
    `${path}: not a gzip, zstd or xz archive after its uncompressed part (magic ${magic})`,
  )
}

/** The cpio archives of the initramfs at `path`, uncompressed, in the order the kernel reads them. */
function archives(path: string): Buffer[] {
  const data = readFileSync(path)
  const found: Buffer[] = []
  let offset = 0
  while (data.subarray(offset, offset + 6).toString('latin1') === '070701') {
    const trailer = data.indexOf(TRAILER, offset, 'latin1')
    if (trailer < 0) throw new Error(`${path}: an uncompressed cpio archive without its trailer`)
    found.push(data.subarray(offset, trailer + TRAILER.length + 1))
    offset = trailer + TRAILER.length
    while (offset < data.length && data[offset] === 0) offset += 1
  }
  if (offset < data.length) found.push(decompress(data.subarray(offset), path))
  return found
}

/** Every path in the initramfs at `path`, in archive order, without a leading "./" or "/". */
export function initramfsFiles(path: string): string[] {
  return archives(path)
    .flatMap(listCpio)
    .map((file) => file.replace(/^\.?\//, ''))
}

/** The text of one file of the initramfs at `path` ('usr/lib/dracut/modules.txt'). */
export function initramfsText(path: string, member: string): string {
  for (const archive of archives(path)) {
    const text = execFileSync('cpio', ['--quiet', '-i', '--to-stdout', member], {
      input: archive,
      encoding: 'utf8',
      maxBuffer: MAX_BUFFER,
    })
    if (text !== '') return text
  }
  throw new Error(`${path} has no ${member}`)
}
