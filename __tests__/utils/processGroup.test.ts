import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { groupAlive, stopGroup } from '../../utils/processGroup.js'

describe('stopGroup', () => {
  it('stops a detached command and the children it started', async () => {
    // sh starts a child that outlives it unless the whole group is signalled.
    const child = spawn('sh', ['-c', 'sleep 30 & sleep 30'], { detached: true, stdio: 'ignore' })
    const pid = child.pid ?? 0
    expect(groupAlive(pid)).toBe(true)
    await stopGroup(pid)
    expect(groupAlive(pid)).toBe(false)
  })

  it('kills what ignores SIGTERM once the grace period is over', async () => {
    const child = spawn('sh', ['-c', 'trap "" TERM; sleep 30'], { detached: true, stdio: 'ignore' })
    const pid = child.pid ?? 0
    await stopGroup(pid, 200)
    expect(groupAlive(pid)).toBe(false)
  })
})
