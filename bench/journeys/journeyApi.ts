import type { Pool } from 'undici'

/** The few gateway and receiver calls the journeys scenario makes, over keep-alive pools. */
export interface JsonAnswer {
  readonly status: number
  readonly body: unknown
}

async function call (pool: Pool, method: 'GET' | 'POST', path: string, body?: unknown): Promise<JsonAnswer> {
  const response = await pool.request({
    method,
    path,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
    ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  })
  const text = await response.body.text()
  return { status: response.statusCode, body: text === '' ? undefined : JSON.parse(text) as unknown }
}

export const getJson = (pool: Pool, path: string): Promise<JsonAnswer> => call(pool, 'GET', path)
export const postJson = (pool: Pool, path: string, body: unknown): Promise<JsonAnswer> => call(pool, 'POST', path, body)

/** Fails with the answer when its status is not the expected one. */
export function expectStatus (answer: JsonAnswer, status: number, what: string): unknown {
  if (answer.status !== status) throw new Error(`${what}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`)
  return answer.body
}

export interface TriggerBody {
  readonly id: string
  readonly name: string
  readonly userId: string
  readonly properties?: Readonly<Record<string, unknown>>
}

/** POST /api/trigger-event; resolves with the id of the one run it must have started. */
export async function trigger (pool: Pool, event: TriggerBody): Promise<string> {
  const body = expectStatus(await postJson(pool, '/api/trigger-event', event), 202, `trigger ${event.name}`) as { runs: { runId: string }[] }
  const run = body.runs[0]
  if (body.runs.length !== 1 || run === undefined) throw new Error(`trigger ${event.name} started ${body.runs.length} runs, expected 1`)
  return run.runId
}

export interface RunView {
  readonly status: string
  readonly startedAt: string
  readonly steps: readonly { readonly id: string, readonly status: string, readonly attempts: readonly { readonly startedAt: string }[] }[]
}

export async function getRun (pool: Pool, runId: string): Promise<RunView> {
  return expectStatus(await getJson(pool, `/api/runs/${encodeURIComponent(runId)}`), 200, `run ${runId}`) as RunView
}

/** The first attempt's start of `stepId`, in ms since the epoch, or undefined while it has none. */
export function firstAttemptAt (run: RunView, stepId: string): number | undefined {
  const attempt = run.steps.find((step) => step.id === stepId)?.attempts[0]
  return attempt === undefined ? undefined : Date.parse(attempt.startedAt)
}

/**
 * Samples from one scrape of /metrics, by name (the first sample of each, labels ignored); a name
 * without a sample is left out. One scrape, since some collectors reset on each.
 */
export async function metricValues (pool: Pool, names: readonly string[]): Promise<Partial<Record<string, number>>> {
  const response = await pool.request({ method: 'GET', path: '/metrics', headersTimeout: 10_000 })
  const lines = (await response.body.text()).split('\n')
  const values: Partial<Record<string, number>> = {}
  for (const name of names) {
    const line = lines.find((candidate) => candidate.startsWith(`${name} `) || candidate.startsWith(`${name}{`))
    if (line !== undefined) values[name] = Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return values
}

export interface ReceiverCount {
  readonly count: number
  /** Date.now() of the first and last webhook received. */
  readonly firstAt: number
  readonly lastAt: number
}

export async function receiverCount (receiver: Pool): Promise<ReceiverCount> {
  return (await getJson(receiver, '/__count')).body as ReceiverCount
}

export async function resetReceiver (receiver: Pool): Promise<void> {
  await postJson(receiver, '/__reset', {})
}
