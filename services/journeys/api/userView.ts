import type { User } from '../../gateway/index.js'

/** Finds a user the gateway knows (from event.com). */
export type UserLookup = (userId: string) => Promise<User | undefined>

/**
 * The `user` that templates and filters see: the gateway's user when it knows them, the event's
 * email overriding theirs when given; otherwise `{id, email?}`.
 */
export async function userViewOf (users: UserLookup, userId: string, email: string | undefined): Promise<Record<string, unknown>> {
  const known = await users(userId)
  const base: Record<string, unknown> = known === undefined ? { id: userId } : { ...known }
  return email === undefined ? base : { ...base, email }
}
