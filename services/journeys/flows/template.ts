import mustache from 'mustache'
import type { FlowContext, JsonValue } from './flowDefinition.js'
import { flowLimits } from './flowLimits.js'
import { setOwn } from './jsonShapes.js'

/**
 * What a `{{name}}` value is escaped for: `none` (plain text, JSON bodies, headers, subjects),
 * `html` (an email's `html`) or `uri` (a webhook URL, as one URI component, so a value cannot add
 * a path segment or a query). `{{{name}}}` and `{{&name}}` are never escaped, in any field.
 */
export type TemplateEscape = 'none' | 'html' | 'uri'

export type CompiledTemplate = (context: FlowContext) => string

type Part = string | { readonly path: readonly string[], readonly raw: boolean }

export const TEMPLATE_ROOTS: readonly string[] = ['user', 'event', 'run']
const VARIABLE = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/
const TAGS: [string, string] = ['{{', '}}']
const LOGIC_LESS = 'templates are logic-less: only variables such as {{user.email}} or {{{event.name}}} are allowed'
const REFUSED_TAGS: Readonly<Record<string, string>> = {
  '#': 'a section', '^': 'an inverted section', '>': 'a partial', '=': 'a delimiter change', '/': 'a section end'
}

// A writer of our own with no cache: mustache's default one keeps every template it ever parsed.
// (The typings leave out the writer's own templateCache; mustache reads undefined as "no cache".)
const writer = new mustache.Writer()
Object.assign(writer, { templateCache: undefined })

/** True when `text` has a tag, so its value is only known once rendered. */
export function isTemplate (text: string): boolean {
  return text.includes('{{')
}

/** Why `template` is refused, or `undefined` when it is a valid logic-less template. */
export function templateProblem (template: string): string | undefined {
  const parsed = parse(template)
  return typeof parsed === 'string' ? parsed : undefined
}

/**
 * Parses a template once, to render it many times. A variable is a dotted path from `user`, `event`
 * or `run` (`{{event.properties.plan}}`, `{{event.items.0}}`); it reads own properties only and never
 * calls a function. A missing value renders as nothing, an object or array as its JSON. Throws a
 * RangeError for a template `templateProblem` refuses.
 */
export function compileTemplate (template: string, escape: TemplateEscape = 'none'): CompiledTemplate {
  const parts = parse(template)
  if (typeof parts === 'string') throw new RangeError(parts)
  const encode = ENCODERS[escape]
  return (context) => {
    let out = ''
    for (const part of parts) {
      if (typeof part === 'string') out += part
      else {
        const text = stringify(lookup(context, part.path))
        out += part.raw ? text : encode(text)
      }
    }
    return out
  }
}

/** Renders a template once; see `compileTemplate`. */
export function renderTemplate (template: string, context: FlowContext, escape: TemplateEscape = 'none'): string {
  return compileTemplate(template, escape)(context)
}

/** Renders every string inside a JSON value (keys stay as they are), without escaping. */
export function renderValue (value: JsonValue, context: FlowContext): JsonValue {
  if (typeof value === 'string') return isTemplate(value) ? renderTemplate(value, context) : value
  if (Array.isArray(value)) return value.map((item: JsonValue) => renderValue(item, context))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, JsonValue> = {}
    for (const [key, item] of Object.entries(value)) {
      setOwn(out, key, renderValue(item, context))
    }
    return out
  }
  return value
}

function parse (template: string): Part[] | string {
  if (template.length > flowLimits.maxTemplateLength) return `a template is at most ${flowLimits.maxTemplateLength} characters`
  // Plain text needs no parser: the tags all start with {{.
  if (!isTemplate(template)) return [template]
  let tokens: unknown[][]
  try {
    tokens = writer.parse(template, TAGS) as unknown[][]
  } catch (error) {
    return `not a valid template: ${(error as Error).message}`
  }
  const parts: Part[] = []
  for (const [type, value, start] of tokens as [string, string, number][]) {
    if (type === 'text') parts.push(value)
    else if (type === 'name' || type === '&') {
      if (!VARIABLE.test(value)) return `{{${value}}} at ${start} is not a variable: expected a dotted path such as user.email`
      const path = value.split('.')
      if (!TEMPLATE_ROOTS.includes(path[0] ?? '')) return `{{${value}}} at ${start} starts with "${path[0] ?? ''}": variables start with user, event or run`
      parts.push({ path, raw: type === '&' })
    } else if (type !== '!') {
      return `${REFUSED_TAGS[type] ?? `a {{${type}}} tag`} at ${start} is not allowed: ${LOGIC_LESS}`
    }
  }
  return parts
}

function lookup (context: FlowContext, path: readonly string[]): unknown {
  let current: unknown = context
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

function stringify (value: unknown): string {
  switch (typeof value) {
    case 'string': return value
    case 'number': case 'boolean': case 'bigint': return String(value)
    case 'object':
      if (value === null) return ''
      try {
        return JSON.stringify(value)
      } catch {
        return ''
      }
    default: return ''
  }
}

const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' }

// encodeURIComponent throws on half of a surrogate pair; such a value gets U+FFFD instead.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

const ENCODERS: Readonly<Record<TemplateEscape, (text: string) => string>> = {
  none: (text) => text,
  html: (text) => text.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? char),
  uri: (text) => encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD'))
}
