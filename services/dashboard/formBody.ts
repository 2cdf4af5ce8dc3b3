import type { FastifyBodyParser } from 'fastify'

/** An HTML form's fields (`application/x-www-form-urlencoded`); the last of a repeated name wins. */
export const parseForm: FastifyBodyParser<string> = (_request, body, done) => {
  done(null, Object.fromEntries(new URLSearchParams(body)))
}
