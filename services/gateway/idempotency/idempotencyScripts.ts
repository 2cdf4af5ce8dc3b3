/**
 * The Lua scripts behind RedisIdempotencyKeys. Each runs atomically in Redis, so two instances racing
 * on one key see one order of events, as two requests in one process do. Time is an argument (the
 * callers' clock), never Redis's own, so expiry follows the same clock as in memory.
 *
 * Layout, every name under the gateway's prefix:
 * - `idem:e:<key>`: a hash per key: `s` state (`i` in flight, `f` failed, `c` completed), `fp`
 *   fingerprint, `id` reserved event id, `r` retry (an earlier attempt failed), `u` uncertain, `fa`
 *   failed at, `st` and `b` the stored status and body (JSON, untouched by Lua), `lu` lease end and
 *   `tok` the attempt's token while in flight, `ex` expiry at rest;
 * - `idem:pinned`: keys in flight, scored by lease end: never evicted, never expired before the lease ends;
 * - `idem:expiry`: every key at rest, scored by expiry, so that expired keys are pruned in order;
 * - `idem:lru`: the evictable keys, scored by a use counter (`idem:seq`): least recently used first;
 * - `idem:kept`: the uncertain failed keys, scored by expiry: never evicted, only expired.
 * The scripts also touch the hashes of other keys (eviction, pruning), which a Redis Cluster would
 * refuse: the shared Redis is one server (or a primary with replicas).
 *
 * KEYS: pinned, expiry, lru, kept, seq, the key's hash. ARGV: hash prefix, key, now, ttlMs, gcMs,
 * settleMs, then each script's own.
 */
const prelude = `
local P, X, L, K, S, E = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local prefix, member = ARGV[1], ARGV[2]
local now, ttl, gc, settle = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])

local function forget(m)
  redis.call('DEL', prefix .. m)
  redis.call('ZREM', P, m)
  redis.call('ZREM', X, m)
  redis.call('ZREM', L, m)
  redis.call('ZREM', K, m)
end

-- The real expiry is garbage collection only, for keys no instance reads any more.
local function collectLater()
  for _, k in ipairs({P, X, L, K, S}) do redis.call('PEXPIRE', k, gc) end
end

-- Puts a key at rest: expiring at expiresAt, evictable unless kept.
local function rest(m, expiresAt, kept)
  local key = prefix .. m
  redis.call('ZREM', P, m)
  redis.call('ZADD', X, expiresAt, m)
  if kept then
    redis.call('ZREM', L, m)
    redis.call('ZADD', K, expiresAt, m)
  else
    redis.call('ZREM', K, m)
    redis.call('ZADD', L, redis.call('INCR', S), m)
  end
  redis.call('HSET', key, 'ex', expiresAt)
  redis.call('HDEL', key, 'lu', 'tok')
  redis.call('PEXPIRE', key, gc)
  collectLater()
end

-- A lease that ended without succeed or fail (the instance died, or lost Redis): an attempt of unknown
-- outcome. The lease outlasts any attempt, so event.com is done with it: no settle wait is left.
local function lapse(m, leaseUntil)
  if leaseUntil + ttl <= now then
    forget(m)
    return
  end
  redis.call('HSET', prefix .. m, 's', 'f', 'u', '1', 'fa', leaseUntil - settle)
  rest(m, leaseUntil + ttl, true)
end

local function read(m)
  local fields = redis.call('HGETALL', prefix .. m)
  if #fields == 0 then return nil end
  local e = {}
  for i = 1, #fields, 2 do e[fields[i]] = fields[i + 1] end
  return e
end

-- The key's live entry, with a lapsed lease or an expiry applied first.
local function load(m)
  local e = read(m)
  if e == nil then
    forget(m)
    return nil
  end
  if e.s == 'i' then
    if tonumber(e.lu) > now then return e end
    lapse(m, tonumber(e.lu))
    return read(m)
  end
  if tonumber(e.ex) <= now then
    forget(m)
    return nil
  end
  return e
end

-- A bounded batch each call keeps the indexes close to the live keys without a timer.
local function prune()
  local leased = redis.call('ZRANGEBYSCORE', P, '-inf', now, 'WITHSCORES', 'LIMIT', 0, 100)
  for i = 1, #leased, 2 do
    if redis.call('EXISTS', prefix .. leased[i]) == 1 then lapse(leased[i], tonumber(leased[i + 1])) else forget(leased[i]) end
  end
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', X, '-inf', now, 'LIMIT', 0, 100)) do forget(m) end
end
`

/** ARGV after the common ones: fingerprint, maxKeys, leaseMs, new event id ('' for none yet), token. */
export const beginScript = `${prelude}
local fingerprint, maxKeys, leaseMs, eventId, token = ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9]), ARGV[10], ARGV[11]
prune()
local e = load(member)
if e ~= nil then
  if redis.call('ZSCORE', L, member) then redis.call('ZADD', L, redis.call('INCR', S), member) end
  if e.fp ~= fingerprint then return {'mismatch'} end
  if e.s == 'i' then return {'in-flight'} end
  if e.s == 'c' then return {'replay', e.st, e.b} end
  if e.u == '1' then
    local wait = tonumber(e.fa) + settle - now
    if wait > 0 then return {'settling', tostring(wait)} end
  end
  redis.call('ZREM', X, member)
  redis.call('ZREM', L, member)
  redis.call('ZREM', K, member)
  redis.call('HSET', E, 's', 'i', 'r', '1', 'lu', now + leaseMs, 'tok', token)
  redis.call('HDEL', E, 'ex')
  redis.call('ZADD', P, now + leaseMs, member)
  redis.call('PEXPIRE', E, gc)
  collectLater()
  return {'proceed', e.id, e.u}
end
if eventId == '' then return {'new'} end
if redis.call('ZCARD', P) + redis.call('ZCARD', X) >= maxKeys then
  local oldest = redis.call('ZRANGE', L, 0, 0)
  if #oldest > 0 then
    forget(oldest[1])
  else
    local kept = redis.call('ZRANGE', K, 0, 0, 'WITHSCORES')
    if #kept == 0 or tonumber(kept[2]) > now then return {'full'} end
    forget(kept[1])
  end
end
redis.call('HSET', E, 's', 'i', 'fp', fingerprint, 'id', eventId, 'r', '0', 'u', '0', 'lu', now + leaseMs, 'tok', token)
redis.call('ZADD', P, now + leaseMs, member)
redis.call('PEXPIRE', E, gc)
collectLater()
return {'proceed', eventId, '0'}
`

/**
 * ARGV after the common ones: status, body. Applies to the key in flight whoever holds it, even past
 * its lease: event.com has the event under the key's one event id, so the stored answer is true.
 */
export const succeedScript = `${prelude}
local e = read(member)
if e == nil or e.s ~= 'i' then return 0 end
redis.call('HSET', E, 's', 'c', 'st', ARGV[7], 'b', ARGV[8])
redis.call('HDEL', E, 'r', 'u', 'fa')
rest(member, now + ttl, false)
return 1
`

/**
 * The attempt that failed, or its abandon, by its token: an attempt whose lease lapsed and was
 * taken over says nothing about the one now in flight.
 */
const failPart = `
local function failed(e, outcomeUnknown)
  local uncertain = e.u == '1' or outcomeUnknown
  redis.call('HSET', E, 's', 'f', 'u', uncertain and '1' or '0', 'fa', now)
  rest(member, now + ttl, uncertain)
end
`

/** ARGV after the common ones: outcome unknown ('1' or '0'), token. */
export const failScript = `${prelude}${failPart}
local e = read(member)
if e == nil or e.s ~= 'i' or e.tok ~= ARGV[8] then return 0 end
failed(e, ARGV[7] == '1')
return 1
`

/** ARGV after the common ones: token. */
export const abandonScript = `${prelude}${failPart}
local e = read(member)
if e == nil or e.s ~= 'i' or e.tok ~= ARGV[7] then return 0 end
if e.r == '1' then failed(e, false) else forget(member) end
return 1
`

/** Keys remembered, in flight included, once lapsed leases and expired keys are accounted for. */
export const countScript = `${prelude}
prune()
return redis.call('ZCARD', P) + redis.call('ZCARD', X) - redis.call('ZCOUNT', X, '-inf', now)
`
