import type { GatewayError } from '../../http/errors.js'

/** One section of `/health`, reported by the area that owns it. */
export interface HealthSection {
  /** The property of the `/health` body, e.g. `breaker`. */
  readonly name: string
  /** JSON schema of the section, for the response schema and the OpenAPI document. */
  readonly schema: Readonly<Record<string, unknown>>
  readonly read: () => unknown
}

/** What `/ready` waits for: undefined when ready, otherwise the problem `/ready` answers with (a 503). */
export type ReadinessCheck = () => GatewayError | undefined

/** Sections and readiness checks, contributed by the areas; the health routes serve them. */
export interface Health {
  /** Adds a section to `/health`; only before the health routes are registered. */
  report: (section: HealthSection) => void
  /** Adds a condition `/ready` waits for. */
  readiness: (check: ReadinessCheck) => void
  readonly sections: () => readonly HealthSection[]
  /** The first readiness check that fails, or undefined when every one passes. */
  readonly notReady: () => GatewayError | undefined
}

export function createHealth (): Health {
  const sections: HealthSection[] = []
  const checks: ReadinessCheck[] = []
  let sealed = false
  return {
    report (section) {
      if (sealed) throw new Error(`health section ${JSON.stringify(section.name)} was reported after the health routes were registered`)
      sections.push(section)
    },
    readiness (check) {
      checks.push(check)
    },
    sections () {
      sealed = true
      return sections
    },
    notReady () {
      for (const check of checks) {
        const problem = check()
        if (problem !== undefined) return problem
      }
      return undefined
    }
  }
}
