// Credentials in a job's payload are sealed with AES-256-GCM under a key the submitter and every
// worker hold (a file, never the database), so the job table never holds them in clear. The job
// id and the variable's name are authenticated with each value: a sealed value copied into
// another job, or under another name, does not open.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { FarmJobError } from './farm-errors.ts'

export interface SealedValue {
  /** Base64 of the 12-byte nonce, the ciphertext and the 16-byte tag. */
  readonly iv: string
  readonly data: string
  readonly tag: string
}

export type SealedSecrets = Readonly<Record<string, SealedValue>>

const KEY_BYTES = 32

/** A farm key file holds 32 random bytes as 64 hex digits or base64 (e.g. `openssl rand -hex 32`). */
export function parseFarmKey(text: string, source: string): Buffer {
  const trimmed = text.trim()
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64')
  if (
    key.length !== KEY_BYTES ||
    (!/^[0-9a-fA-F]{64}$/.test(trimmed) && key.toString('base64') !== trimmed)
  ) {
    throw new FarmJobError(
      `Cannot use the farm key in ${source}: it must hold 32 bytes as 64 hex digits or base64`,
      {
        hint: 'Make one with: openssl rand -hex 32 > /etc/imagewright/farm.key; chmod 600 it; copy it to every worker',
      },
    )
  }
  return key
}

function additionalData(jobId: string, name: string): Buffer {
  return Buffer.from(`imagewright-farm\0${jobId}\0${name}`)
}

export function sealSecrets(
  values: Readonly<Record<string, string>>,
  key: Buffer,
  jobId: string,
): SealedSecrets {
  const sealed: Record<string, SealedValue> = {}
  for (const [name, value] of Object.entries(values)) {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', key, iv)
    cipher.setAAD(additionalData(jobId, name))
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()])
    sealed[name] = {
      iv: iv.toString('base64'),
      data: data.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    }
  }
  return sealed
}

export function openSecrets(
  sealed: SealedSecrets,
  key: Buffer | undefined,
  jobId: string,
): Record<string, string> {
  const names = Object.keys(sealed)
  if (names.length === 0) return {}
  if (key === undefined) {
    throw new FarmJobError(
      `Cannot open the job's secrets (${names.join(', ')}): this worker has no farm key`,
      {
        hint: 'Start the worker with --key FILE (or IMAGEWRIGHT_FARM_KEY_FILE), the key the submitter used',
      },
    )
  }
  const values: Record<string, string> = {}
  for (const name of names) {
    const value = sealed[name]
    if (value === undefined) continue
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(value.iv, 'base64'))
      decipher.setAAD(additionalData(jobId, name))
      decipher.setAuthTag(Buffer.from(value.tag, 'base64'))
      values[name] = Buffer.concat([
        decipher.update(Buffer.from(value.data, 'base64')),
        decipher.final(),
      ]).toString('utf8')
    } catch (error) {
      throw new FarmJobError(
        `Cannot open the secret ${name} of job ${jobId}: the worker's farm key is not the submitter's, or the value was altered`,
        {
          hint: 'Give every worker the same key file as the submitters',
          cause: error,
        },
      )
    }
  }
  return values
}
