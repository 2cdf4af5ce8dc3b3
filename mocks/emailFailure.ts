import { HttpResponse } from 'msw'

/** The shape of the email provider's error bodies, as Resend's: `name` is a stable code. */
export interface EmailErrorBody {
  statusCode: number
  name: string
  message: string
}

export function emailError (statusCode: number, name: string, message: string, headers: Record<string, string> = {}): Response {
  const body: EmailErrorBody = { statusCode, name, message }
  return HttpResponse.json(body, { status: statusCode, headers })
}
