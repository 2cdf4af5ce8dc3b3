import type { SettingsTable } from './readSettings.js'

/** The markers around a generated table in a Markdown document: `<!-- settings:NAME -->` … `<!-- /settings:NAME -->`. */
export function settingsMarkers (name: string): { readonly start: string, readonly end: string } {
  return { start: `<!-- settings:${name} -->`, end: `<!-- /settings:${name} -->` }
}

/** A Markdown table of the settings: variable, default, accepted values, meaning. */
export function settingsMarkdown (table: SettingsTable): string {
  const cell = (text: string): string => text.replace(/\|/g, '\\|')
  const code = (text: string): string => text === 'unset' || text === 'empty' ? text : `\`${text}\``
  const rows = Object.values(table).map((setting) =>
    `| \`${setting.env}\` | ${code(setting.shownDefault)} | ${cell(setting.shownValues)} | ${cell(setting.doc)} |`)
  return ['| variable | default | values | meaning |', '|---|---|---|---|', ...rows].join('\n')
}

/**
 * `document` with the block between `name`'s markers replaced by `table`'s Markdown; throws a
 * RangeError when the markers are missing.
 */
export function withSettingsTable (document: string, name: string, table: SettingsTable): string {
  const { start, end } = settingsMarkers(name)
  const from = document.indexOf(start)
  const to = document.indexOf(end)
  if (from === -1 || to < from) throw new RangeError(`the document has no ${start} … ${end} block`)
  return `${document.slice(0, from + start.length)}\n${settingsMarkdown(table)}\n${document.slice(to)}`
}
