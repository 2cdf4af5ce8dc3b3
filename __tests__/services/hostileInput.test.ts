import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { buildApp } from '../../services/app.js'
import type { ErrorCode } from '../../services/http/errors.js'
import { createManualClock } from '../../utils/clock.js'
import { MemoryEventStore } from '../../services/gateway/store/memoryEventStore.js'
import { createManualTimeouts } from '../helpers/mockedApp.js'
import { expectProblem, expectSafeResponse } from '../helpers/responseSafety.js'
import { seedEvents, seedUsers } from '../helpers/seed.js'
import { buildTestApp, testConfig } from '../helpers/testApp.js'
import { createTestUpstream, upstreamAppOptions } from '../helpers/testUpstream.js'
import type { TestUpstream } from '../helpers/testUpstream.js'

/**
 * One app for a whole table of cases that must leave it unchanged, as buildTestApp builds it: a
 * fresh app per case would cost hundreds of builds. Sharing stays sound because every case checks,
 * right after its request, that nothing was forwarded and the store still holds the seed alone.
 */
function sharedApp (): { readonly app: FastifyInstance, readonly upstream: TestUpstream } {
  const upstream = createTestUpstream()
  let app: FastifyInstance | undefined
  beforeAll(async () => {
    const store = new MemoryEventStore()
    await store.load({ users: seedUsers, events: seedEvents })
    const clock = createManualClock(1_700_000_000_000)
    app = await buildApp({ ...upstreamAppOptions(upstream, testConfig), timeoutSignal: createManualTimeouts().create, store, hydrate: false, processMetrics: false, clock: clock.now, random: () => 0.5 })
  })
  afterAll(async () => {
    await app?.close()
    await upstream.dispatcher.destroy()
  })
  return { get app () { return app! }, upstream }
}

type Headers = Record<string, string | string[]>
type Method = NonNullable<InjectOptions['method']>

const json: Headers = { 'content-type': 'application/json' }
const validBody = '{"name":"test","userId":"1"}'

/** A valid body padded with insignificant whitespace to exactly `bytes` bytes. */
function paddedBody (bytes: number): string {
  return `{"name":"test","userId":"1"${' '.repeat(bytes - validBody.length)}}`
}

function nested (open: string, inner: string, close: string, depth: number): string {
  return open.repeat(depth) + inner + close.repeat(depth)
}

function utf8With (before: string, bytes: number[], after: string): Buffer {
  return Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)])
}

interface RefusedWrite {
  readonly label: string
  readonly payload?: string | Buffer
  readonly headers?: Headers
  readonly code: ErrorCode
  readonly field?: string
}

function invalidField (label: string, value: unknown, field: string): RefusedWrite {
  return { label, payload: JSON.stringify(value), code: 'GW_ERR_REQUEST_INVALID', field }
}

function unknownUser (label: string, payload: string): RefusedWrite {
  return { label, payload, code: 'GW_ERR_USER_NOT_FOUND' }
}

const malformed = (label: string, payload: string | Buffer): RefusedWrite => ({ label, payload, code: 'GW_ERR_REQUEST_MALFORMED_JSON' })

const malformedJson: RefusedWrite[] = [
  ...[
    '{', '}', '[', ']', ',', ':', '"unterminated', 'tru', 'nul', '\\', ' ', '\t\r\n', 'NaN', 'Infinity', '-Infinity', 'undefined',
    '{"name":"test","userId":"1",}', '{name:"test",userId:"1"}', "{'name':'test','userId':'1'}",
    '{"name":"test" "userId":"1"}', '{"name":"test",,"userId":"1"}', '{"name" "test","userId":"1"}',
    '{"name":"test","userId":"1"}{"name":"x"}', '{"name":"test","userId":"1"} x', '{"name":"test","userId":"1"}\u0000',
    '{"name":NaN,"userId":"1"}', '{"name":"test","userId":01}', '{"name":"test","userId":0x1}', '{"name":"test","userId":+1}',
    '{"name":"test","userId":1.}', '{"name":"test","userId":.5}', '{"name":"\\x41","userId":"1"}', '{"name":"\\u12","userId":"1"}',
    '{"name":"\\q","userId":"1"}', '{"name":"a\nb","userId":"1"}', '{"name":"a\u0000b","userId":"1"}',
    '{"name":"test","userId":"1"} /* comment */', '// comment\n{"name":"test","userId":"1"}', '{"name":"test","userId":"1"]'
  ].map((payload) => malformed(JSON.stringify(payload).slice(0, 60), payload)),
  malformed('invalid UTF-8 between tokens', utf8With('{', [0xff], '}')),
  malformed('UTF-16 bytes', Buffer.from(validBody, 'utf16le')),
  { label: 'gzip bytes (content-encoding is not supported)', payload: gzipSync(validBody), headers: { ...json, 'content-encoding': 'gzip' }, code: 'GW_ERR_REQUEST_MALFORMED_JSON' },
  { label: 'no body with a JSON content type', code: 'GW_ERR_REQUEST_MALFORMED_JSON' }
]

/** Every proper prefix of a valid body, as a connection cut mid-body would deliver it. */
const fullBody = '{"name":"test","userId":"1","details":"some details"}'
const truncatedJson: RefusedWrite[] = Array.from({ length: fullBody.length }, (_, length) =>
  malformed(`first ${length} bytes of a valid body`, fullBody.slice(0, length)))

const deepNesting: RefusedWrite[] = [
  { label: '10k nested arrays', payload: nested('[', '', ']', 10_000), code: 'GW_ERR_REQUEST_INVALID', field: 'body' },
  { label: '32k nested arrays (64 KiB exactly)', payload: nested('[', '', ']', 32_768), code: 'GW_ERR_REQUEST_INVALID', field: 'body' },
  { label: '10k nested objects', payload: nested('{"a":', '1', '}', 10_000), code: 'GW_ERR_REQUEST_INVALID', field: 'body/name' },
  { label: '10k nested arrays as the name', payload: `{"name":${nested('[', '', ']', 10_000)},"userId":"1"}`, code: 'GW_ERR_REQUEST_INVALID', field: 'body/name' },
  { label: '10k nested objects as the userId', payload: `{"name":"test","userId":${nested('{"a":', '1', '}', 10_000)}}`, code: 'GW_ERR_REQUEST_INVALID', field: 'body/userId' },
  { label: '10k nested arrays as details', payload: `{"name":"test","userId":"1","details":${nested('[', '"x"', ']', 10_000)}}`, code: 'GW_ERR_REQUEST_INVALID', field: 'body/details' },
  { label: '10k nested objects under an unknown key', payload: `{"name":"test","userId":"1","x":${nested('{"a":', 'null', '}', 10_000)}}`, code: 'GW_ERR_REQUEST_INVALID', field: 'body/x' }
]

const hugeInput: RefusedWrite[] = [
  invalidField('name of 60 000 characters', { name: 'x'.repeat(60_000), userId: '1' }, 'body/name'),
  invalidField('name of 257 characters', { name: 'x'.repeat(257), userId: '1' }, 'body/name'),
  invalidField('name of 257 emoji', { name: '😀'.repeat(257), userId: '1' }, 'body/name'),
  invalidField('userId of 257 characters', { name: 'test', userId: '1'.repeat(257) }, 'body/userId'),
  invalidField('details of 16 385 characters', { name: 'test', userId: '1', details: 'x'.repeat(16_385) }, 'body/details'),
  invalidField('an array of 10 000 numbers', Array.from({ length: 10_000 }, (_, i) => i), 'body'),
  invalidField('an array of 1 000 valid events', Array.from({ length: 1000 }, () => ({ name: 'test', userId: '1' })), 'body'),
  invalidField('a valid event with 5 000 more keys', { name: 'test', userId: '1', ...Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])) }, 'body/k0'),
  { label: 'a valid body padded to 64 KiB + 1 byte', payload: paddedBody(64 * 1024 + 1), code: 'GW_ERR_REQUEST_TOO_LARGE' },
  { label: 'details of 16 385 emoji (over 64 KiB)', payload: JSON.stringify({ name: 'test', userId: '1', details: '😀'.repeat(16_385) }), code: 'GW_ERR_REQUEST_TOO_LARGE' },
  { label: 'a 1 MiB body', payload: JSON.stringify({ name: 'test', userId: '1', details: 'x'.repeat(1024 * 1024) }), code: 'GW_ERR_REQUEST_TOO_LARGE' },
  { label: 'content-length over the limit', payload: validBody, headers: { ...json, 'content-length': '70000' }, code: 'GW_ERR_REQUEST_TOO_LARGE' }
]

const prototypePoisoning: RefusedWrite[] = [
  malformed('__proto__ at the top', '{"name":"test","userId":"1","__proto__":{"polluted":true}}'),
  malformed('__proto__ set to null', '{"name":"test","userId":"1","__proto__":null}'),
  malformed('__proto__ written with a \\u escape', '{"name":"test","userId":"1","\\u005f_proto__":{"polluted":true}}'),
  malformed('__proto__ inside the name', '{"name":{"__proto__":{"polluted":true}},"userId":"1"}'),
  malformed('__proto__ inside an array', '{"name":"test","userId":"1","x":[{"__proto__":{"polluted":true}}]}'),
  malformed('__proto__ 5 000 levels deep', nested('{"a":', '{"__proto__":{"polluted":true}}', '}', 5000)),
  malformed('constructor.prototype at the top', '{"name":"test","userId":"1","constructor":{"prototype":{"polluted":true}}}'),
  malformed('constructor.prototype set to null', '{"name":"test","userId":"1","constructor":{"prototype":null}}'),
  malformed('constructor.prototype inside details', '{"name":"test","userId":"1","details":{"constructor":{"prototype":{"polluted":true}}}}'),
  invalidField('a plain constructor key', { name: 'test', userId: '1', constructor: 'x' }, 'body/constructor'),
  invalidField('a prototype key', { name: 'test', userId: '1', prototype: { polluted: true } }, 'body/prototype'),
  invalidField('a toString key', { name: 'test', userId: '1', toString: 'x' }, 'body/toString'),
  invalidField('a hasOwnProperty key', { name: 'test', userId: '1', hasOwnProperty: 'x' }, 'body/hasOwnProperty')
]

const wrongValues: readonly unknown[] = [null, 0, 7, -1, 1.5, 1e308, true, false, [], ['1'], {}, { id: '1' }]
const wrongTypes: RefusedWrite[] = [
  ...wrongValues.map((value) => invalidField(`name ${JSON.stringify(value)}`, { name: value, userId: '1' }, 'body/name')),
  ...wrongValues.filter((value) => value !== 0 && value !== 7).map((value) => invalidField(`userId ${JSON.stringify(value)}`, { name: 'test', userId: value }, 'body/userId')),
  ...wrongValues.map((value) => invalidField(`details ${JSON.stringify(value)}`, { name: 'test', userId: '1', details: value }, 'body/details')),
  invalidField('an empty name', { name: '', userId: '1' }, 'body/name'),
  invalidField('an empty userId', { name: 'test', userId: '' }, 'body/userId'),
  invalidField('userId one over MAX_SAFE_INTEGER', { name: 'test', userId: Number.MAX_SAFE_INTEGER + 1 }, 'body/userId'),
  invalidField('no name', { userId: '1' }, 'body/name'),
  invalidField('no userId', { name: 'test' }, 'body/userId'),
  invalidField('an empty object', {}, 'body/name'),
  invalidField('a gateway-chosen id', { id: 'mine', name: 'test', userId: '1' }, 'body/id'),
  ...[null, 1, 'a string', true, []].map((value) => invalidField(`a body of ${JSON.stringify(value)}`, value, 'body')),
  { label: 'no body and no content type', headers: {}, code: 'GW_ERR_REQUEST_INVALID', field: 'body' }
]

/** Well-typed userIds that name nobody: refused before event.com, never normalised into a real id. */
const unknownUsers: RefusedWrite[] = [
  ...[0, 4, Number.MAX_SAFE_INTEGER].map((userId) => unknownUser(`userId ${userId}`, JSON.stringify({ name: 'test', userId }))),
  ...['NaN', 'Infinity', '-0', 'null', 'undefined', '__proto__', 'constructor', 'toString', ' 1', '1 ', '01', '1.0', '+1', '１', '\u202E1', '1\u200D', '\u0000', '1\u0000', '../1', '%31']
    .map((userId) => unknownUser(`userId ${JSON.stringify(userId)}`, JSON.stringify({ name: 'test', userId }))),
  unknownUser('userId a lone surrogate', '{"name":"test","userId":"\\ud800"}'),
  unknownUser('userId -0 as a number', '{"name":"test","userId":-0}')
]

const refusedContentTypes: RefusedWrite[] = [
  ...['text/plain', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx',
    'application/json-seq', 'application/vnd.api+json', 'application/problem+json', 'application/*', '*/*', 'json', '',
    'application/ json', 'application/json, text/plain', 'text/plain, application/json']
    .map((contentType): RefusedWrite => ({ label: `content-type ${JSON.stringify(contentType)}`, payload: validBody, headers: { 'content-type': contentType }, code: 'GW_ERR_REQUEST_MEDIA_TYPE' })),
  { label: 'no content type', payload: validBody, headers: {}, code: 'GW_ERR_REQUEST_MEDIA_TYPE' },
  // Like Node's HTTP parser, which keeps the first Content-Type and drops the rest: the first one decides.
  { label: 'two content types, text/plain first', payload: validBody, headers: { 'content-type': ['text/plain', 'application/json'] }, code: 'GW_ERR_REQUEST_MEDIA_TYPE' },
  { label: 'content-length shorter than the body', payload: validBody, headers: { ...json, 'content-length': '5' }, code: 'GW_ERR_REQUEST_INVALID' },
  { label: 'content-length longer than the body', payload: validBody, headers: { ...json, 'content-length': '1000' }, code: 'GW_ERR_REQUEST_INVALID' }
]

const refusedWrites: Record<string, RefusedWrite[]> = {
  'malformed JSON': malformedJson,
  'truncated JSON': truncatedJson,
  'deep nesting': deepNesting,
  'huge input': hugeInput,
  'prototype poisoning': prototypePoisoning,
  'wrong types': wrongTypes,
  'unknown users': unknownUsers,
  'content type and length': refusedContentTypes
}

describe('POST /addEvent: hostile bodies are refused with a problem, before event.com', () => {
  for (const [group, cases] of Object.entries(refusedWrites)) {
    describe(group, () => {
      const shared = sharedApp()
      it.each(cases)('$label → $code', async ({ payload, headers, code, field }) => {
        const { app, upstream } = shared
        const response = await app.inject({ method: 'POST', url: '/addEvent', headers: headers ?? json, ...(payload !== undefined && { payload }) })

        expectProblem(response, code, field)
        expect(response.headers['retry-after']).toBeUndefined()
        expect(upstream.received).toEqual([])
        expect((await app.inject('/getEvents')).json()).toHaveLength(3)
      })
    })
  }

  it('leaves Object.prototype untouched after every poisoning attempt', async () => {
    const { app } = await buildTestApp()
    for (const { payload } of prototypePoisoning) {
      await app.inject({ method: 'POST', url: '/addEvent', headers: json, ...(payload !== undefined && { payload }) })
    }
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

interface AcceptedWrite {
  readonly label: string
  readonly payload: string | Buffer
  readonly headers?: Headers
  /** What event.com must receive and reads must show, without the id. */
  readonly event: { name: string, userId: string, details?: string }
}

function accepted (label: string, event: { name: string, userId: string | number, details?: string }): AcceptedWrite {
  return { label, payload: JSON.stringify(event), event: { ...event, userId: String(event.userId) } }
}

const acceptedWrites: AcceptedWrite[] = [
  accepted('emoji name', { name: '🎉 launch 🚀', userId: '1' }),
  accepted('a zero-width-joined family emoji', { name: '👩‍👩‍👧‍👦', userId: '1' }),
  accepted('RTL text with a right-to-left override', { name: 'مرحبا \u202Egnp.exe', userId: '2' }),
  accepted('zero-width space, joiner and BOM inside', { name: 'a\u200Bb\u200Dc\uFEFFd', userId: '1' }),
  accepted('a combining accent', { name: 'e\u0301', userId: '1' }),
  accepted('256 ASCII characters', { name: 'x'.repeat(256), userId: '1' }),
  accepted('256 emoji (512 UTF-16 units, still 256 characters)', { name: '😀'.repeat(256), userId: '1' }),
  ...['NaN', 'Infinity', '-0', 'null', 'true', 'undefined', '[object Object]', '__proto__', '<script>alert(1)</script>',
    '../../etc/passwd', '%00', '\'; DROP TABLE events; --', '${7*7}', 'at Object.<anonymous> (x.js:1:1)']
    .map((name) => accepted(`name ${JSON.stringify(name)}`, { name, userId: '1' })),
  { label: 'a NUL written as \\u0000', payload: '{"name":"a\\u0000b","userId":"1"}', event: { name: 'a\u0000b', userId: '1' } },
  { label: 'a lone high surrogate written as \\ud800', payload: '{"name":"\\ud800","userId":"1"}', event: { name: '\ud800', userId: '1' } },
  { label: 'a lone low surrogate written as \\udc00', payload: '{"name":"x\\udc00","userId":"1"}', event: { name: 'x\udc00', userId: '1' } },
  accepted('a numeric userId', { name: 'test', userId: 3 }),
  { label: 'userId written as 1.0', payload: '{"name":"test","userId":1.0}', event: { name: 'test', userId: '1' } },
  { label: 'userId written as 1e0', payload: '{"name":"test","userId":1e0}', event: { name: 'test', userId: '1' } },
  accepted('empty details', { name: 'test', userId: '1', details: '' }),
  accepted('details of 16 384 characters', { name: 'test', userId: '1', details: 'x'.repeat(16_384) }),
  accepted('details of 16 000 emoji (64 000 bytes)', { name: 'test', userId: '1', details: '😀'.repeat(16_000) }),
  { label: 'a body of exactly 64 KiB', payload: paddedBody(64 * 1024), event: { name: 'test', userId: '1' } },
  // RFC 8259 §8.1 lets a parser ignore a byte order mark.
  { label: 'a byte order mark before the body', payload: `\uFEFF${validBody}`, event: { name: 'test', userId: '1' } },
  { label: 'whitespace everywhere', payload: '\n\t {"name" : "test" ,\r\n "userId" : "1" } \n', event: { name: 'test', userId: '1' } },
  // JSON.parse keeps the last duplicate; the 201 shows exactly what event.com received.
  { label: 'a duplicated key', payload: '{"name":"first","name":"test","userId":"1"}', event: { name: 'test', userId: '1' } },
  // Media types are case-insensitive (RFC 9110 §8.3.1); JSON has no charset parameter, so it is ignored.
  ...['Application/JSON; charset=UTF-8', 'APPLICATION/JSON', 'application/json;charset=utf-8', 'application/json; charset="utf-8"',
    ' application/json ', 'application/json; charset=utf-8; foo=bar']
    .map((contentType): AcceptedWrite => ({ label: `content-type ${JSON.stringify(contentType)}`, payload: validBody, headers: { 'content-type': contentType }, event: { name: 'test', userId: '1' } })),
  { label: 'two content types, application/json first', payload: validBody, headers: { 'content-type': ['application/json', 'text/plain'] }, event: { name: 'test', userId: '1' } }
]

describe('POST /addEvent: odd but valid writes are accepted and read back unchanged', () => {
  it.each(acceptedWrites)('$label → 201', async ({ payload, headers, event }) => {
    const { app, upstream } = await buildTestApp({ generateId: () => 'id-1' })
    const response = await app.inject({ method: 'POST', url: '/addEvent', headers: headers ?? json, payload })

    expectSafeResponse(response)
    expect(response.statusCode).toBe(201)
    const stored = { id: 'id-1', ...event }
    expect(response.json()).toEqual(stored)
    expect(upstream.received).toEqual([stored])
    const byUser = await app.inject(`/getEventsByUserId/${encodeURIComponent(event.userId)}`)
    expect(byUser.statusCode).toBe(200)
    expect(byUser.json<unknown[]>().at(-1)).toEqual(stored)
    expect((await app.inject('/getEvents')).json<unknown[]>().at(-1)).toEqual(stored)
  })
})

interface ReadCase {
  readonly url: string
  readonly code: ErrorCode
  readonly field?: string
  /** For problems without a `field`: how `detail` starts. */
  readonly detailStart?: string
}

const badUserPaths: ReadCase[] = [
  ...['..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '..%5C..%5Cwindows', '%00', '1%00', '%0d%0aSet-Cookie:%20x=1',
    '%E2%80%AE1', '%E2%80%8D', '%F0%9F%98%80', '%EF%BB%BF1', '__proto__', 'constructor', 'hasOwnProperty', 'toString', '%201', '1%20', '01',
    '1.0', '%2B1', '-1', '1;x=1', '1%3Flimit=1', '1%23x', '%3Cscript%3E', 'a'.repeat(256), '%F0%9F%98%80'.repeat(256)]
    .map((id): ReadCase => ({ url: `/getEventsByUserId/${id}`, code: 'GW_ERR_USER_NOT_FOUND' })),
  { url: '/getEventsByUserId/', code: 'GW_ERR_REQUEST_INVALID', field: 'params/id' },
  { url: `/getEventsByUserId/${'a'.repeat(257)}`, code: 'GW_ERR_REQUEST_INVALID', field: 'params/id' },
  { url: `/getEventsByUserId/${'a'.repeat(512)}`, code: 'GW_ERR_REQUEST_INVALID', field: 'params/id' },
  { url: `/getEventsByUserId/${'%C3%A9'.repeat(257)}`, code: 'GW_ERR_REQUEST_INVALID', field: 'params/id' },
  { url: '/getEventsByUserId/1/extra', code: 'GW_ERR_ROUTE_NOT_FOUND' }
]

type QueryCase = Omit<ReadCase, 'url'> & { readonly query: string }

/** Query strings every paged route refuses: bad limits, unknown parameters, cursors it never issued. */
const badQueries: QueryCase[] = [
  ...['-1', '0', '10001', '99999999999999999999', '', '1.5', 'abc', 'true', 'null', '1_000', '1%2C2', '%']
    .map((limit) => ({ query: `limit=${limit}`, code: 'GW_ERR_REQUEST_INVALID' as const, field: 'querystring/limit' })),
  { query: 'limit', code: 'GW_ERR_REQUEST_INVALID', field: 'querystring/limit' },
  { query: 'limit=1&limit=2', code: 'GW_ERR_REQUEST_INVALID', field: 'querystring/limit' },
  { query: 'limit=1&limit=1', code: 'GW_ERR_REQUEST_INVALID', field: 'querystring/limit' },
  { query: 'limit[]=1', code: 'GW_ERR_REQUEST_INVALID', field: 'querystring/limit[]' },
  { query: 'foo=bar', code: 'GW_ERR_REQUEST_INVALID', field: 'querystring/foo' },
  { query: 'LIMIT=1', code: 'GW_ERR_REQUEST_INVALID', field: 'querystring/LIMIT' },
  { query: '__proto__=1', code: 'GW_ERR_REQUEST_INVALID', field: 'querystring/__proto__' },
  { query: '__proto__[limit]=1', code: 'GW_ERR_REQUEST_INVALID', field: 'querystring/__proto__[limit]' },
  { query: 'constructor[prototype][polluted]=1', code: 'GW_ERR_REQUEST_INVALID', field: 'querystring/constructor[prototype][polluted]' },
  { query: 'cursor=', code: 'GW_ERR_REQUEST_INVALID', field: 'querystring/cursor' },
  { query: `cursor=${'a'.repeat(65)}`, code: 'GW_ERR_REQUEST_INVALID', field: 'querystring/cursor' },
  { query: 'cursor=a&cursor=b', code: 'GW_ERR_REQUEST_INVALID', field: 'querystring/cursor' },
  ...['garbage', 'o1', '%00', '..%2F..', Buffer.from('o-1').toString('base64url'), Buffer.from('o01').toString('base64url'),
    Buffer.from('o1e3').toString('base64url'), Buffer.from('x1').toString('base64url'), `${Buffer.from('o1').toString('base64url')}=`,
    Buffer.from('o9999999999999999').toString('base64url')]
    .map((cursor) => ({ query: `cursor=${cursor}`, code: 'GW_ERR_REQUEST_INVALID' as const, detailStart: 'querystring/cursor' }))
]

const pagedRoutes = ['/getEvents', '/getEventsByUserId/1']

describe('GET routes: hostile ids and query strings get a problem', () => {
  const shared = sharedApp()
  const cases: ReadCase[] = [
    ...badUserPaths,
    ...pagedRoutes.flatMap((route) => badQueries.map(({ query, ...expected }) => ({ url: `${route}?${query}`, ...expected })))
  ]

  it.each(cases)('$url → $code', async ({ url, code, field, detailStart }) => {
    const response = await shared.app.inject(url)
    const problem = expectProblem(response, code, field)
    if (detailStart !== undefined) expect(problem.detail.startsWith(detailStart)).toBe(true)
    expect(response.headers['set-cookie']).toBeUndefined()
    expect(response.headers.link).toBeUndefined()
  })

  it('resolves dot segments before routing: /getEventsByUserId/%2e%2e serves nothing', async () => {
    const { app } = await buildTestApp()
    for (const url of ['/getEventsByUserId/..', '/getEventsByUserId/%2e%2e', '/getEventsByUserId/%2E%2E/%2E%2E/etc/passwd']) {
      const response = await app.inject(url)
      // inject() resolves the dot segments like a browser (404 no route); over a socket the id is '..' (404 no user).
      expect(expectSafeResponse(response)?.status).toBe(404)
    }
  })

  it('takes limit only as plain decimal digits: other numerals are a 400 naming querystring/limit', async () => {
    const { app } = await buildTestApp()
    for (const limit of ['1e0', '0x1', '+1', '%201', '1.0', '0001', 'Infinity', '1e400']) {
      const response = await app.inject(`/getEvents?limit=${limit}`)
      expectSafeResponse(response)
      expect(response.statusCode).toBe(400)
      expect(response.json<{ field: string }>().field).toBe('querystring/limit')
    }
  })

  it('answers an empty page for a well-formed cursor past the end', async () => {
    const { app } = await buildTestApp()
    for (const route of pagedRoutes) {
      const response = await app.inject(`${route}?cursor=${Buffer.from('o999999999999999').toString('base64url')}`)
      expect(response.statusCode).toBe(200)
      expect(response.json()).toEqual([])
      expect(response.headers.link).toBeUndefined()
    }
  })

  it('ignores query parameters on /getUsers, which takes none', async () => {
    const { app } = await buildTestApp()
    for (const query of ['foo=bar', 'limit=-1', '__proto__[x]=1', 'cursor=garbage', '%']) {
      const response = await app.inject(`/getUsers?${query}`)
      expect(response.statusCode).toBe(200)
      expect(response.json<{ id: string }[]>().map((user) => user.id)).toEqual(['1', '2', '3'])
    }
  })

  it('serves reads whatever the request headers say', async () => {
    const { app } = await buildTestApp()
    const oddHeaders: Headers[] = [
      { accept: 'application/xml' }, { accept: '*/*;q=0' }, { 'accept-encoding': 'gzip, br;q=1.5' }, { 'x-forwarded-for': 'not-an-ip, ::1, 999.1.1.1' },
      { host: 'evil.example' }, { 'content-type': 'application/json' }, { 'content-type': 'text/plain' }, { 'if-none-match': '*' },
      { 'x-big': 'x'.repeat(100_000) }, { 'idempotency-key': '\u00ff'.repeat(300) }
    ]
    for (const headers of oddHeaders) {
      for (const url of ['/getUsers', '/getEvents', '/getEventsByUserId/1']) {
        const response = await app.inject({ method: 'GET', url, headers })
        expectSafeResponse(response)
        expect(response.statusCode).toBe(200)
        expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
      }
    }
  })
})

describe('methods and routes the gateway does not serve', () => {
  const routes = ['/addEvent', '/getUsers', '/getEvents', '/getEventsByUserId/1']
  const methods: Method[] = ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']
  const cases: { method: Method, url: string }[] = [
    ...routes.flatMap((url) => methods.map((method) => ({ method, url }))),
    { method: 'GET', url: '/addEvent' },
    ...routes.slice(1).map((url) => ({ method: 'POST' as const, url })),
    ...['/', '/nope', '/getusers', '/GETUSERS', '/getUsers/', '/getUsers/x', '/addEvent/', '/getEventsByUserId', '//getUsers',
      '/%00', '/..%2f..%2fetc%2fpasswd', '/.env', '/admin', '/getUsers%00', `/${'x'.repeat(10_000)}`]
      .map((url) => ({ method: 'GET' as const, url }))
  ]

  const shared = sharedApp()
  it.each(cases)('$method $url → 404 GW_ERR_ROUTE_NOT_FOUND', async ({ method, url }) => {
    const { app, upstream } = shared
    const response = await app.inject({ method, url, headers: json, payload: validBody })
    const problem = expectProblem(response, 'GW_ERR_ROUTE_NOT_FOUND')
    // The path is echoed for debugging, but bounded.
    expect(problem.detail.length).toBeLessThan(300)
    expect(upstream.received).toEqual([])
  })
})
