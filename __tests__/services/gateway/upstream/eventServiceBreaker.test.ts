import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import pino from 'pino'
import { addEvent, buildTestApp } from '../../../helpers/testApp.js'
import { answerStatus, times } from '../../../helpers/upstreamFaults.js'

describe('breaker state changes', () => {
  it('are logged at warn level through pino', async () => {
    const lines: { level: number, msg: string, breaker?: { from: string, to: string, reason: string } }[] = []
    const sink = new Writable({
      write (chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as typeof lines[number])
        done()
      }
    })
    const { app, upstream, clock } = await buildTestApp({ logger: pino({ level: 'warn' }, sink) })
    upstream.use(...times(3, () => answerStatus(500)))
    for (let i = 0; i < 3; i++) await addEvent(app, { name: 'x', userId: '1' })
    clock.advance(1000)
    await addEvent(app, { name: 'probe', userId: '1' })

    const transitions = lines.filter((line) => line.breaker !== undefined)
    expect(transitions.map((line) => [line.level, line.msg, line.breaker?.reason])).toEqual([
      [40, 'breaker closed -> open', 'failure-threshold'],
      [40, 'breaker open -> half-open', 'probe'],
      [40, 'breaker half-open -> closed', 'probe-succeeded']
    ])
  })
})
