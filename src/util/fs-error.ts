// Small helpers for turning node:fs failures into readable ElementError messages.

/** The errno code of a node:fs failure (ENOENT, EACCES...), if it has one. */
export function errnoCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('code' in error)) return undefined
  return typeof error.code === 'string' ? error.code : undefined
}

/** A short reason for a message: the errno code when there is one, otherwise the message. */
export function describeFsError(error: unknown): string {
  return errnoCode(error) ?? (error instanceof Error ? error.message : String(error))
}
