import type { Redis } from 'ioredis'
import type { SharedRedis } from '../../cluster/index.js'
import type { StreamEntry } from './streamEntries.js'

/** The keys of the shared store: the generation names the users list and the events stream that are current. */
export interface SharedStoreKeys {
  readonly generation: string
  readonly lock: string
  readonly users: (generation: string) => string
  readonly events: (generation: string) => string
}

export function sharedStoreKeys (redis: SharedRedis): SharedStoreKeys {
  return {
    generation: redis.key('store:generation'),
    lock: redis.key('store:hydration-lock'),
    users: (generation) => redis.key(`store:users:${generation}`),
    events: (generation) => redis.key(`store:events:${generation}`)
  }
}

/**
 * Appends one event to the stream of the generation the caller holds, and answers the entries from
 * the caller's position up to it, so the caller applies them in stream order. Answers {0, current}
 * without appending when the generation moved on (or is gone: Redis restarted empty).
 */
const append = `
local current = redis.call('GET', KEYS[1])
if current ~= ARGV[1] then return {0, current or ''} end
local id = redis.call('XADD', KEYS[2], '*', 'e', ARGV[2])
return {1, id, redis.call('XRANGE', KEYS[2], '(' .. ARGV[3], id, 'COUNT', ARGV[4])}
`

/** The current generation and, when it is the caller's, the id of its stream's last entry ('' for none). */
const position = `
local current = redis.call('GET', KEYS[1])
if current ~= ARGV[1] then return {current or '', ''} end
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
return {current, last[1] and last[1][1] or ''}
`

/** Makes a fully written generation the current one; the previous one's keys expire a minute later (followers may still be reading them). */
const commit = `
local previous = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PERSIST', KEYS[2])
redis.call('PERSIST', KEYS[3])
if previous and previous ~= ARGV[1] then
  redis.call('PEXPIRE', ARGV[2] .. previous, 60000)
  redis.call('PEXPIRE', ARGV[3] .. previous, 60000)
end
return previous or ''
`

/** Extends the lock only while the caller holds it. */
const refreshLock = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`

/** Releases the lock only while the caller holds it. */
const releaseLock = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

type AppendReply = [0, string] | [1, string, StreamEntry[]]

/** The scripts as methods of a connection; ioredis sends them by digest and reloads them after a Redis restart. */
export interface StoreScripts {
  gwStoreAppend: (generationKey: string, eventsKey: string, generation: string, value: string, after: string, count: number) => Promise<AppendReply>
  gwStorePosition: (generationKey: string, eventsKey: string, generation: string) => Promise<[string, string]>
  gwStoreCommit: (generationKey: string, usersKey: string, eventsKey: string, generation: string, usersPrefix: string, eventsPrefix: string) => Promise<string>
  gwStoreRefreshLock: (lockKey: string, token: string, ttlMs: number) => Promise<number>
  gwStoreReleaseLock: (lockKey: string, token: string) => Promise<number>
}

const definitions = [
  ['gwStoreAppend', append, 2],
  ['gwStorePosition', position, 2],
  ['gwStoreCommit', commit, 3],
  ['gwStoreRefreshLock', refreshLock, 1],
  ['gwStoreReleaseLock', releaseLock, 1]
] as const

/** `connection` with the store's scripts defined on it (once per connection). */
export function withStoreScripts (connection: Redis): Redis & StoreScripts {
  const scripted = connection as Redis & Partial<StoreScripts>
  if (scripted.gwStoreAppend === undefined) {
    for (const [name, lua, numberOfKeys] of definitions) connection.defineCommand(name, { lua, numberOfKeys })
  }
  return scripted as Redis & StoreScripts
}
