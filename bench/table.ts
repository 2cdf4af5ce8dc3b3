/** One result table: printed as each scenario ends, and written to RESULTS.md at the end. */
export interface Table {
  readonly title: string
  readonly header: readonly string[]
  readonly rows: readonly (readonly string[])[]
  /** Settings and caveats that belong with the figures. */
  readonly notes?: readonly string[]
}

export function renderTable (table: Table): string {
  const escape = (cell: string): string => cell.replaceAll('|', '\\|')
  const line = (cells: readonly string[]): string => `| ${cells.map(escape).join(' | ')} |`
  return [
    `### ${table.title}`,
    '',
    line(table.header),
    line(table.header.map(() => '---')),
    ...table.rows.map(line),
    ...(table.notes ?? []).length > 0 ? ['', ...(table.notes ?? []).map((note) => `- ${note}`)] : []
  ].join('\n')
}

export function verdict (pass: boolean): 'PASS' | 'FAIL' {
  return pass ? 'PASS' : 'FAIL'
}

export function formatRate (perSecond: number): string {
  return perSecond >= 100 ? Math.round(perSecond).toLocaleString('en-US') : perSecond.toFixed(2)
}

export function formatMs (ms: number): string {
  return ms >= 100 ? Math.round(ms).toLocaleString('en-US') : String(Math.round(ms * 100) / 100)
}

export function formatRatio (ratio: number): string {
  return Number.isFinite(ratio) ? ratio.toFixed(2) : '—'
}

export function formatMicros (micros: number): string {
  return Number.isFinite(micros) ? micros.toFixed(1) : '—'
}

export function formatBytes (bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}
