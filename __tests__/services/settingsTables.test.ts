import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { documentedSettings } from '../../services/settingsTables.js'
import type { SettingsTable } from '../../utils/settings/readSettings.js'
import { settingsMarkdown, settingsMarkers } from '../../utils/settings/settingsMarkdown.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

function block (name: string): string | undefined {
  const { start, end } = settingsMarkers(name)
  const from = readme.indexOf(start)
  const to = readme.indexOf(end)
  return from === -1 || to < from ? undefined : readme.slice(from + start.length, to).trim()
}

describe('the README configuration tables', () => {
  it.each(Object.keys(documentedSettings))('%s: the README shows exactly the settings table (npm run docs rewrites it)', (name) => {
    const table = documentedSettings[name as keyof typeof documentedSettings]
    expect(block(name)).toBe(settingsMarkdown(table))
  })

  it('names every variable once, across every area', () => {
    const tables: SettingsTable[] = Object.values(documentedSettings)
    const names = tables.flatMap((table) => Object.values(table).map((setting) => setting.env))
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([])
    for (const name of names) expect(readme).toContain(`| \`${name}\` |`)
  })
})
