import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { onClosed, trackRequest, whenAnswered } from '../../../services/http/socketRequests.js'

function exchange (): { request: IncomingMessage, response: ServerResponse, socket: Socket } {
  const socket = new Socket()
  const request = new IncomingMessage(socket)
  return { request, response: new ServerResponse(request), socket }
}

describe('onClosed', () => {
  it('tells a tracked response from the listener that counts it: one close listener, not two', () => {
    const { request, response, socket } = exchange()
    trackRequest(request, response)
    const closed: ServerResponse[] = []
    onClosed(response, (closedResponse) => { closed.push(closedResponse) })
    expect(response.listenerCount('close')).toBe(1)
    let drained = false
    whenAnswered(socket, () => { drained = true })
    expect(drained).toBe(false)
    response.emit('close')
    expect(closed).toEqual([response])
    expect(drained).toBe(true)
  })

  it('listens to the close of a response nobody tracks (an injected request)', () => {
    const { response } = exchange()
    const closed: ServerResponse[] = []
    onClosed(response, (closedResponse) => { closed.push(closedResponse) })
    expect(response.listenerCount('close')).toBe(1)
    response.emit('close')
    expect(closed).toEqual([response])
  })

  it('keeps one listener, the last given, however often it is called', () => {
    const { response } = exchange()
    const calls: string[] = []
    onClosed(response, () => { calls.push('first') })
    onClosed(response, () => { calls.push('second') })
    expect(response.listenerCount('close')).toBe(1)
    response.emit('close')
    expect(calls).toEqual(['second'])
  })
})
