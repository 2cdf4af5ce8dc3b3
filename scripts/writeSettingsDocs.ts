/**
 * Rewrites the README's configuration tables from the settings tables, the single source of every
 * variable, default and range: `npm run docs`. A test fails when the README and the tables differ.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { documentedSettings } from '../services/settingsTables.js'
import { withSettingsTable } from '../utils/settings/settingsMarkdown.js'

const readme = new URL('../README.md', import.meta.url)
let text = readFileSync(readme, 'utf8')
for (const [name, table] of Object.entries(documentedSettings)) text = withSettingsTable(text, name, table)
writeFileSync(readme, text)
process.stdout.write(`README.md: ${Object.keys(documentedSettings).join(', ')} settings written\n`)
