/** What a check of two servers' answers to the same request found. */
export interface ResponseCheck {
  /** Body size of the subject's answer. */
  readonly bytes: number
  /** Undefined when status, content type, Link and body (or only its length) are identical. */
  readonly mismatch?: string
}

interface Answer { readonly status: number, readonly type: string, readonly link: string, readonly body: string }

async function answer (url: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) })
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    link: response.headers.get('link') ?? '',
    body: await response.text()
  }
}

/** A reference only means something if it sends what the subject sends: checked before every comparison. */
export async function checkSameResponse (subjectUrl: string, referenceUrl: string, init: RequestInit = {}, body: 'exact' | 'length' = 'exact'): Promise<ResponseCheck> {
  const [subject, reference] = await Promise.all([answer(subjectUrl, init), answer(referenceUrl, init)])
  const bytes = Buffer.byteLength(subject.body)
  const sameBody = body === 'exact' ? subject.body === reference.body : bytes === Buffer.byteLength(reference.body)
  const differences = [...(['status', 'type', 'link'] as const).filter((key) => subject[key] !== reference[key]), ...sameBody ? [] : ['body']]
  if (differences.length === 0) return { bytes }
  return {
    bytes,
    mismatch: `${new URL(subjectUrl).pathname}: ${differences.join(', ')} differ ` +
      `(subject ${subject.status} ${subject.type} ${bytes} B; reference ${reference.status} ${reference.type} ${Buffer.byteLength(reference.body)} B)`
  }
}
