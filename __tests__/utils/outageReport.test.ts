import { describe, expect, it } from 'vitest'
import { createManualClock } from '../../utils/clock.js'
import { OutageReport } from '../../utils/outageReport.js'

function harness () {
  const clock = createManualClock(0)
  const reports: string[] = []
  const report = new OutageReport({
    clock: clock.now,
    intervalMs: 60_000,
    onFailing: (error, failures) => { reports.push(`failing ${String(error)} x${failures}`) },
    onRecovered: (failures) => { reports.push(`recovered after ${failures}`) }
  })
  return { clock, reports, report }
}

describe('OutageReport', () => {
  it('reports the first failure, then at most once per interval with the count since, then the recovery', () => {
    const { clock, reports, report } = harness()
    report.succeeded()
    for (let i = 0; i < 100; i++) report.failed('timeout')
    expect(reports).toEqual(['failing timeout x1'])

    clock.advance(59_999)
    report.failed('timeout')
    expect(reports).toHaveLength(1)
    clock.advance(1)
    report.failed('refused')
    expect(reports).toEqual(['failing timeout x1', 'failing refused x101'])

    report.succeeded()
    report.succeeded()
    expect(reports.at(-1)).toBe('recovered after 102')
    expect(reports).toHaveLength(3)
  })

  it('reports a new outage at once, however soon after the last one ended', () => {
    const { reports, report } = harness()
    report.failed('a')
    report.succeeded()
    report.failed('b')
    expect(reports).toEqual(['failing a x1', 'recovered after 1', 'failing b x1'])
  })
})
