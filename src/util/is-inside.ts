import { isAbsolute, relative } from 'node:path'

/** Whether `path` is `root` itself or lies below it, lexically. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}
