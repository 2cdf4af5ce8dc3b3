import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Whether any process of the group led by `pid` is alive. A command spawned with `detached: true`
 * leads its own group, so npm and the node it starts are one group.
 */
export function groupAlive (pid: number): boolean {
  try {
    process.kill(-pid, 0)
    return true
  } catch {
    return false
  }
}

/** SIGTERM to the whole group, SIGKILL to what is left after `graceMs`; resolves once none is left. */
export async function stopGroup (pid: number, graceMs = 5000): Promise<void> {
  if (groupAlive(pid)) process.kill(-pid, 'SIGTERM')
  const deadline = performance.now() + graceMs
  while (groupAlive(pid)) {
    if (performance.now() > deadline) process.kill(-pid, 'SIGKILL')
    await sleep(10)
  }
}
