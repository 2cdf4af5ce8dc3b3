import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, expect, it, onTestFinished } from 'vitest'
import pino from 'pino'
import { request } from 'undici'
import { startServer } from '../../services/server.js'
import { createManualClock } from '../../utils/clock.js'
import { loadConfig } from '../../services/config.js'
import { eventually } from '../helpers/eventually.js'

const silent = pino({ level: 'silent' })

async function post (url: string, body: unknown): Promise<number> {
  const response = await request(`${url}/addEvent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
  await response.body.dump()
  return response.statusCode
}

describe('startServer', () => {
  it('serves the curl loop against the built-in mock when EVENT_SERVICE_URL is unset', async () => {
    const clock = createManualClock(1_700_000_000_000)
    const server = await startServer(loadConfig({ PORT: '0', MOCKS_PORT: '0', JOURNEYS_ENABLED: 'false' }), silent, { clock: clock.now, random: () => 0.5 })
    onTestFinished(async () => { await server.close() })
    expect(server.eventServiceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    await server.app.hydrator.hydrated

    const counts = new Map<number, number>()
    for (let i = 0; i < 100; i++) {
      const status = await post(server.url, { name: 'test', userId: '1' })
      counts.set(status, (counts.get(status) ?? 0) + 1)
    }
    // The mock accepts 5, then fails; three failures open the breaker, which then fails fast.
    expect(Object.fromEntries(counts)).toEqual({ 201: 5, 502: 3, 503: 92 })

    const reads = await request(`${server.url}/getEventsByUserId/1`)
    const events = await reads.body.json() as { name: string }[]
    expect(reads.statusCode).toBe(200)
    expect(events.filter((event) => event.name === 'test')).toHaveLength(5)
  })

  it('lets in-flight requests finish on close, then stops accepting', async () => {
    const config = loadConfig({ PORT: '0', MOCKS_PORT: '0', JOURNEYS_ENABLED: 'false' })
    const server = await startServer(config, silent)
    await server.app.hydrator.hydrated
    const mockControl = `${server.eventServiceUrl}/__mock/scenario`
    const switched = await request(mockControl, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'slow', delayMs: 200 }) })
    expect(switched.statusCode).toBe(204)

    const reached = server.mock?.nextRequest()
    const inFlight = post(server.url, { name: 'late', userId: '2' })
    // Shut down once the write has reached event.com and is waiting for its answer.
    expect(await reached).toEqual({ method: 'POST', path: '/addEvent' })
    const closed = server.close()
    expect(await inFlight).toBe(201)
    expect(await closed).toBe(true)
    await expect(post(server.url, { name: 'after', userId: '2' })).rejects.toThrow()
  })

  it('runs journeys against the built-in email provider and webhook receiver when EMAIL_API_URL is unset, with the sample flows', async () => {
    const server = await startServer(loadConfig({ PORT: '0', MOCKS_PORT: '0', DATA_DIR: 'memory://' }), silent)
    onTestFinished(async () => { await server.close() })
    await server.app.journeys.ready
    const flows = await server.app.journeys.listFlows()
    expect(flows.map((flow) => flow.id).sort()).toEqual(['appointment-reminder', 'welcome-series'])

    const answer = await server.app.journeys.triggerEvent({
      id: 'signup-1', name: 'signup', userId: 'u-1', email: 'u1@example.com', properties: {}, user: { id: 'u-1', email: 'u1@example.com', userName: 'Ada' }, source: 'api'
    })
    expect(answer.runs).toMatchObject([{ flowId: 'welcome-series' }])
    const sent = await eventually('the welcome email reaches the built-in provider', () => server.mock?.email.received().sent.find((email) => email.to === 'u1@example.com'))
    expect(sent.subject).toBe('Welcome, Ada')
  }, 60_000)
})

describe('the process', () => {
  function run (env: Record<string, string>) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/index.ts'], {
      env: { ...process.env, LOG_LEVEL: 'info', REDIS_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    onTestFinished(() => { child.kill('SIGKILL') })
    return child
  }

  it('refuses to start on a bad setting, naming the variable, the value and what was expected', async () => {
    const child = run({ PORT: 'abc', BREAKER_FAILURE_THRESHOLD: '0' })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const [code] = await once(child, 'exit') as [number]
    expect(code).toBe(1)
    expect(stderr).toContain('PORT="abc" is invalid: expected an integer from 0 to 65535')
    expect(stderr).toContain('BREAKER_FAILURE_THRESHOLD="0" is invalid: expected an integer from 1 to 1000')
  })

  // Starts the whole process with the embedded database: 8–9 s on a slow machine, so more than the default 10 s allows.
  it('logs where the built-in mocks run, listens, starts the journeys engine, and exits 0 on SIGTERM', { timeout: 60_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-data-'))
    onTestFinished(() => { rmSync(dataDir, { recursive: true, force: true }) })
    const child = run({ PORT: '0', MOCKS_PORT: '0', DATA_DIR: dataDir, DATABASE_URL: '' })
    const lines = createInterface({ input: child.stdout })
    const messages: { msg: string, eventServiceUrl?: string, emailApiUrl?: string }[] = []
    let url: string | undefined
    for await (const line of lines) {
      const entry = JSON.parse(line) as { msg: string, eventServiceUrl?: string, emailApiUrl?: string }
      messages.push(entry)
      url = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(entry.msg)?.[1]
      if (url !== undefined) break
    }
    const mockLine = messages.find((entry) => entry.msg.includes('built-in mock'))
    expect(mockLine?.eventServiceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const emailLine = messages.find((entry) => entry.msg.includes('EMAIL_API_URL is unset'))
    expect(emailLine).toMatchObject({ emailApiUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/email$/) as unknown })

    const health = await request(`${url ?? ''}/health`)
    expect(health.statusCode).toBe(200)
    await health.body.dump()
    await eventually('the journeys engine is ready', async () => {
      const ready = await request(`${url ?? ''}/ready`)
      await ready.body.dump()
      return ready.statusCode === 200 ? true : undefined
    }, 60_000, 100)

    child.kill('SIGTERM')
    const [code] = await once(child, 'exit') as [number]
    expect(code).toBe(0)
    // The engine let go of the data folder on its way out.
    expect(existsSync(join(dataDir, 'gateway.lock'))).toBe(false)
  })
})
