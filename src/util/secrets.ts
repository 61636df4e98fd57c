// The one list of what counts as a secret: variables whose name says so. The hygiene scan looks
// for their values in the image; plan output, logs, JSON logs and reports show them as "***".
// elements/manifests carries the same pattern in shell (a unit test keeps the two equal).

/** A variable holding a credential, by name. */
export const SECRET_NAME = /PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|_KEY$/

/** Shorter values would match by accident everywhere (in text and in the image alike). */
const MIN_SECRET_LENGTH = 6

export const REDACTED = '***'

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name)
}

/** Values of DIB_* variables that look like credentials, long enough to search for. */
export function secretValues(
  env: Readonly<Record<string, string | undefined>>,
): { name: string; value: string }[] {
  return Object.entries(env).flatMap(([name, value]) =>
    value !== undefined &&
    name.startsWith('DIB_') &&
    isSecretName(name) &&
    value.length >= MIN_SECRET_LENGTH
      ? [{ name, value }]
      : [],
  )
}

/**
 * Whether `text` holds `value` as a whole token: not inside a longer run of letters, digits and underscores.
 * A short everyday password ("secret") then matches `password=secret` but not "secrets" or
 * "client_secret_file" in a stock configuration file, which would fail every build.
 */
export function containsSecretToken(text: string, value: string): boolean {
  const isWordChar = (char: string | undefined): boolean =>
    char !== undefined && /[A-Za-z0-9_]/.test(char)
  for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + 1)) {
    const startsClean = !isWordChar(value[0]) || !isWordChar(text[at - 1])
    const endsClean = !isWordChar(value[value.length - 1]) || !isWordChar(text[at + value.length])
    if (startsClean && endsClean) return true
  }
  return false
}

/** Replaces every secret value in text (longest first, so one value inside another still goes). */
export function makeRedactor(
  env: Readonly<Record<string, string | undefined>>,
): (text: string) => string {
  const values = [...new Set(secretValues(env).map((s) => s.value))].sort(
    (a, b) => b.length - a.length,
  )
  if (values.length === 0) return (text) => text
  return (text) => values.reduce((out, value) => out.split(value).join(REDACTED), text)
}

/** The same object with every string in it redacted (events, plans). */
export function redactDeep<T>(value: T, redact: (text: string) => string): T {
  if (typeof value === 'string') return redact(value) as T
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item, redact)) as T
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)]),
    ) as T
  }
  return value
}
