/** Hash routes: `#/runs/abc?status=failed` → `{ page: 'runs', id: 'abc', query }`. */

export function parseRoute (hash) {
  const text = hash.replace(/^#\/?/, '')
  const queryStart = text.indexOf('?')
  const path = queryStart === -1 ? text : text.slice(0, queryStart)
  const query = new URLSearchParams(queryStart === -1 ? '' : text.slice(queryStart + 1))
  const [page = '', ...rest] = path.split('/').filter((part) => part !== '').map(decodeURIComponent)
  return { page: page === '' ? 'overview' : page, id: rest[0], query }
}

/** The hash of a route: `href('runs', 'abc')`, `href('runs', undefined, { status: 'failed' })`. */
export function href (page, id, query = {}) {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value))
  }
  const search = params.toString()
  return `#/${page}${id === undefined ? '' : `/${encodeURIComponent(id)}`}${search === '' ? '' : `?${search}`}`
}
