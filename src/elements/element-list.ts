// element-deps and element-provides: one element name a line. Read as DIB reads them (each line
// stripped, blank lines dropped, a name listed twice counts once), with a schema for a name, so
// a line DIB would look up as an impossible element is refused at file:line:col instead of
// failing later as "element not found".
import * as v from 'valibot'
import { ElementError } from '../errors.ts'

const isControl = (name: string): boolean =>
  [...name].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f)

/** What an element name is: an element directory's name, as a command line can pass it. */
const ELEMENT_NAME = v.pipe(
  v.string(),
  v.check((name) => !name.includes('/'), 'an element name has no "/" (it is a directory name)'),
  v.check((name) => !/\s/u.test(name), 'an element name has no white space inside'),
  v.check((name) => !isControl(name), 'an element name has no control characters'),
)

/**
 * The names in an element-deps or element-provides `text`; `file` names it in messages.
 *
 * Deliberate deviation from DIB: lines starting with `#` are comments. DIB would look a `#` line
 * up as an element and fail with "not found", although dib-lint already treats them as
 * comments, so no working element can contain one.
 */
export function parseElementList(text: string, file: string): string[] {
  const names = new Set<string>()
  text.split('\n').forEach((line, index) => {
    const name = line.trim()
    if (name === '' || name.startsWith('#')) return
    const result = v.safeParse(ELEMENT_NAME, name)
    if (!result.success) {
      const col = line.indexOf(name) + 1
      throw new ElementError(
        `${file}:${index + 1}:${col}: Cannot use "${printable(name)}" as an element name: ${result.issues[0].message}`,
        { hint: 'Write one element name a line; lines starting with # are comments' },
      )
    }
    names.add(result.output)
  })
  return [...names]
}

function printable(name: string): string {
  const shown = JSON.stringify(name).slice(1, -1)
  return shown.length > 60 ? `${shown.slice(0, 57)}...` : shown
}
