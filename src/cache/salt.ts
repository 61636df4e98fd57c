// The cache's own random salt: secret values enter keys only as an HMAC under it, so the
// manifests beside the entries do not let anyone test guesses against a plain hash.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export async function cacheSalt(storeRoot: string): Promise<string> {
  const path = join(storeRoot, 'salt')
  await mkdir(storeRoot, { recursive: true })
  try {
    await writeFile(path, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  // Another build may have created it a moment ago: it is whole once non-empty.
  for (let attempt = 0; attempt < 50; attempt++) {
    const text = (await readFile(path, 'utf8')).trim()
    if (text.length > 0) return text
    await new Promise((done) => setTimeout(done, 20))
  }
  throw new Error(`The cache salt "${path}" is empty`)
}
