// A tiny HTML template tag: every interpolated value is escaped unless it is already Html, so
// a hook script named "<script>" or a warning with "&" cannot break out of the report.

export class Html {
  readonly text: string

  constructor(text: string) {
    this.text = text
  }

  toString(): string {
    return this.text
  }
}

export type HtmlValue = Html | string | number | undefined | readonly HtmlValue[]

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)
}

function renderValue(value: HtmlValue): string {
  if (value === undefined) return ''
  if (value instanceof Html) return value.text
  if (typeof value === 'number') return String(value)
  if (typeof value === 'string') return escapeHtml(value)
  return value.map(renderValue).join('')
}

export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let text = strings[0] ?? ''
  values.forEach((value, i) => {
    text += renderValue(value) + (strings[i + 1] ?? '')
  })
  return new Html(text)
}

/** Markup this module did not build, trusted as is: only for constants such as the stylesheet. */
export function trustedHtml(text: string): Html {
  return new Html(text)
}
