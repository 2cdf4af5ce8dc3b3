import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import type { Browser, Page } from 'playwright-core'

/** The system's Chromium (Debian's package); the tests never download a browser. */
export const chromiumPath = '/usr/bin/chromium'

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
export const screenshotDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots')

/** The two sizes the dashboard is laid out for. */
export const viewports = {
  desktop: { width: 1280, height: 800 },
  mobile: { width: 390, height: 844 }
} as const

/** Headless Chromium on a fresh temporary profile (Playwright makes one per launch and removes it on close). */
export function launchChromium (): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
  })
}

export interface PageWatch {
  /** Console errors, uncaught exceptions and CSP violations, as text. */
  readonly errors: string[]
  /** Messages of every alert, confirm or prompt the page opened (each dismissed). */
  readonly dialogs: string[]
}

/** Records what a page reports going wrong, from now on. */
export function watch (page: Page): PageWatch {
  const errors: string[] = []
  const dialogs: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => { errors.push(`page error: ${error.message}`) })
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message())
    void dialog.dismiss()
  })
  return { errors, dialogs }
}

export interface Violation {
  readonly id: string
  readonly impact: string
  readonly nodes: string[]
}

/** axe-core's serious and critical findings on the page as it is now (WCAG 2.x A and AA rules, and best practices). */
export async function accessibilityViolations (page: Page): Promise<Violation[]> {
  // Evaluated through the DevTools protocol: the dashboard's CSP refuses the inline <script> that
  // addScriptTag would add, and the pages are tested with their CSP in force.
  if (!await page.evaluate(() => 'axe' in globalThis)) await page.evaluate(axeSource)
  // Runs in the page; typed by hand, as this project's TypeScript knows no DOM.
  return page.evaluate(async () => {
    interface AxeResult { passes: unknown[], violations: { id: string, impact: string | null, nodes: { target: unknown[] }[] }[] }
    const { axe, document } = globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<AxeResult> }, document: unknown }
    const result = await axe.run(document, { resultTypes: ['violations'] })
    if (result.passes.length === 0) throw new Error('axe checked nothing on this page')
    return result.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => ({ id: violation.id, impact: violation.impact ?? '', nodes: violation.nodes.map((node) => JSON.stringify(node.target)) }))
  })
}

/** Whether this run rewrites docs/screenshots/ (`UPDATE_SCREENSHOTS=1`); otherwise a test run leaves the tree as it was. */
export const updateScreenshots = process.env.UPDATE_SCREENSHOTS === '1'

/** The whole page as a PNG; also saved as docs/screenshots/<name>.png when updating them. */
export async function screenshot (page: Page, name: string): Promise<Buffer> {
  const png = await page.screenshot({ fullPage: true })
  if (updateScreenshots) {
    mkdirSync(screenshotDir, { recursive: true })
    writeFileSync(join(screenshotDir, `${name}.png`), png)
  }
  return png
}
