import { HttpResponse } from 'msw'

/** The shape of every event.com error body. */
export interface FailureBody {
  success: false
  error: string
  message?: string
}

export function failureBody (error: string, message?: string): FailureBody {
  return message === undefined ? { success: false, error } : { success: false, error, message }
}

/** A JSON error response as event.com sends them: `{ success: false, error, message? }`. */
export function failureResponse (status: number, body: FailureBody, headers: Record<string, string> = {}): Response {
  return HttpResponse.json(body, { status, headers })
}
