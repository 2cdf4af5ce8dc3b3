import { describe, expect, it } from 'vitest'
import { compileTemplate, renderTemplate, renderValue, templateProblem } from '../../../../services/journeys/flows/template.js'
import type { FlowContext } from '../../../../services/journeys/flows/flowDefinition.js'

const context: FlowContext = {
  user: { id: 'u1', email: 'ada@example.com', userName: 'Ada <admin>', tags: ['a', 'b'], score: 3, active: true, nothing: null },
  event: { name: 'signup', properties: { plan: 'pro', path: 'a/b?c=d&e', items: [{ sku: 'x1' }] } },
  run: { id: 'r1' }
}

describe('renderTemplate', () => {
  it('renders dotted variables from user, event and run', () => {
    expect(renderTemplate('Hi {{user.userName}}, plan {{event.properties.plan}}, run {{run.id}}', context))
      .toBe('Hi Ada <admin>, plan pro, run r1')
  })

  it('reads array elements by index', () => {
    expect(renderTemplate('{{event.properties.items.0.sku}} {{user.tags.1}}', context)).toBe('x1 b')
  })

  it('renders numbers and booleans as text, missing values and null as nothing', () => {
    expect(renderTemplate('[{{user.score}}|{{user.active}}|{{user.nothing}}|{{user.missing}}|{{user.missing.deeper}}]', context))
      .toBe('[3|true|||]')
  })

  it('renders objects and arrays as JSON, not as [object Object]', () => {
    expect(renderTemplate('{{user.tags}} {{event.properties.items}}', context)).toBe('["a","b"] [{"sku":"x1"}]')
  })

  it('does not escape HTML by default: text, subjects and JSON bodies are not HTML', () => {
    expect(renderTemplate('{{user.userName}} & {{{user.userName}}}', context)).toBe('Ada <admin> & Ada <admin>')
  })

  it('escapes HTML in {{…}} but not in {{{…}}} or {{&…}} when asked to (an email\'s html)', () => {
    expect(renderTemplate('<p>{{user.userName}}</p>{{{user.userName}}}{{&user.userName}}', context, 'html'))
      .toBe('<p>Ada &lt;admin&gt;</p>Ada <admin>Ada <admin>')
    expect(renderTemplate('{{event.quote}}', { ...context, event: { quote: `"&'` } }, 'html')).toBe('&quot;&amp;&#39;')
  })

  it('encodes {{…}} as one URI component for a URL, so a value cannot add a path or a query', () => {
    expect(renderTemplate('https://x.example/u/{{event.properties.path}}', context, 'uri')).toBe('https://x.example/u/a%2Fb%3Fc%3Dd%26e')
    expect(renderTemplate('{{{event.properties.path}}}', context, 'uri')).toBe('a/b?c=d&e')
    expect(renderTemplate('{{event.half}}', { ...context, event: { half: '\uD800x' } }, 'uri')).toBe('%EF%BF%BDx')
  })

  it('reads own properties only and never calls a function', () => {
    const tricky: FlowContext = { user: { greet: () => 'called' }, event: {}, run: {} }
    expect(renderTemplate('[{{user.greet}}][{{user.constructor}}][{{user.toString}}][{{event.__proto__}}]', tricky)).toBe('[][][][]')
  })

  it('drops comments', () => {
    expect(renderTemplate('a{{! a note }}b', context)).toBe('ab')
  })

  it('ignores the global mustache settings and cache', async () => {
    const mustache = (await import('mustache')).default
    const before = mustache.tags
    mustache.tags = ['<%', '%>']
    try {
      expect(renderTemplate('{{user.id}} <%user.id%>', context)).toBe('u1 <%user.id%>')
    } finally {
      mustache.tags = before
    }
  })

  it('compiles once and renders many times', () => {
    const greet = compileTemplate('Hi {{user.id}}')
    expect(greet(context)).toBe('Hi u1')
    expect(greet({ ...context, user: { id: 'u2' } })).toBe('Hi u2')
  })
})

describe('templateProblem: logic-less templates only', () => {
  it.each([
    'plain text', '{{user.email}}', '{{{user.email}}}', '{{&user.email}}', '{{ user.email }}', '{{! comment }}', 'x}} stray', ''
  ])('accepts %j', (template) => {
    expect(templateProblem(template)).toBeUndefined()
  })

  it.each([
    ['a section', '{{#user.tags}}x{{/user.tags}}', /section.*logic-less/],
    ['an inverted section', '{{^user.tags}}none{{/user.tags}}', /inverted section.*logic-less/],
    ['a partial', '{{>footer}}', /partial.*logic-less/],
    ['a delimiter change', '{{=<% %>=}}', /delimiter change.*logic-less/],
    ['an unclosed tag', 'Hi {{user.email', /not a valid template/],
    ['an unopened section end', '{{/user}}', /not a valid template|section end/],
    ['the implicit iterator', '{{.}}', /not a variable/],
    ['spaces inside a path', '{{user . email}}', /not a variable/],
    ['an empty tag', '{{}}', /not a variable/],
    ['an unknown root', '{{usr.email}}', /starts with "usr"/],
    ['a bare word', '{{email}}', /starts with "email"/]
  ])('refuses %s', (_label, template, message) => {
    expect(templateProblem(template)).toMatch(message)
  })

  it('refuses a template longer than the bound', () => {
    expect(templateProblem('x'.repeat(100_001))).toMatch(/at most 100000 characters/)
  })

  it('makes compileTemplate throw a RangeError for what it refuses', () => {
    expect(() => compileTemplate('{{#a}}{{/a}}')).toThrow(RangeError)
  })
})

describe('renderValue', () => {
  it('renders every string of a JSON value, deep, and leaves keys and other values alone', () => {
    const body = { user: '{{user.id}}', list: ['{{run.id}}', 2, null, { deep: '{{event.name}}!' }], ok: true, '{{user.id}}': 'key' }
    expect(renderValue(body, context)).toEqual({ user: 'u1', list: ['r1', 2, null, { deep: 'signup!' }], ok: true, '{{user.id}}': 'key' })
  })

  it('does not HTML-escape', () => {
    expect(renderValue({ name: '{{user.userName}}' }, context)).toEqual({ name: 'Ada <admin>' })
  })

  it('keeps a key named __proto__ as a key', () => {
    const value = JSON.parse('{"__proto__": "{{user.id}}"}') as Record<string, string>
    const rendered = renderValue(value, context) as Record<string, unknown>
    expect(Object.getPrototypeOf(rendered)).toBe(Object.prototype)
    expect(Object.hasOwn(rendered, '__proto__')).toBe(true)
    expect(JSON.stringify(rendered)).toBe('{"__proto__":"u1"}')
  })

  it('does not change the value it was given', () => {
    const body = { a: ['{{user.id}}'] }
    renderValue(body, context)
    expect(body).toEqual({ a: ['{{user.id}}'] })
  })
})
