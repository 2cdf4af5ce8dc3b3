/** Chart.js (the vendored UMD build, global `Chart`) behind a small interface: a chart in a figure, updated in place. */
import { h } from './dom.js'

/** Colours that keep at least 3:1 contrast against the white chart background. */
export const palette = ['#1f5fbf', '#b3261e', '#1b7f3b', '#8a4baf', '#a15c00', '#00758f', '#5c5c5c']
export const okColour = '#1b7f3b'
export const failedColour = '#b3261e'

/**
 * A figure holding a canvas chart of `type`. The canvas carries a text summary (its accessible
 * name), refreshed by `update`, and the figure a caption.
 */
export function createChart ({ title: initialTitle, type, stacked = false, yTitle }) {
  let title = initialTitle
  const caption = h('figcaption', {}, title)
  const canvas = h('canvas', { role: 'img', 'aria-label': title })
  const summary = h('p', { class: 'chart-summary' })
  const figure = h('figure', { class: 'chart' }, caption, h('div', { class: 'chart-box' }, canvas), summary)
  const chart = new window.Chart(canvas, {
    type,
    data: { labels: [], datasets: [] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
      scales: {
        x: { stacked, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
        y: { stacked, beginAtZero: true, title: { display: yTitle !== undefined, text: yTitle ?? '' }, ticks: { precision: 0 } }
      }
    }
  })
  return {
    figure,
    /** New labels and datasets (`[{label, data, colour}]`), and the sentence that describes them. */
    update (labels, datasets, description) {
      chart.data.labels = labels
      chart.data.datasets = datasets.map(({ label, data, colour }) => ({
        label,
        data,
        borderColor: colour,
        backgroundColor: type === 'line' ? colour : `${colour}cc`,
        borderWidth: 2,
        pointRadius: 0,
        tension: 0.2
      }))
      chart.update('none')
      canvas.setAttribute('aria-label', `${title}: ${description}`)
      summary.textContent = description
    },
    retitle (text) {
      title = text
      caption.textContent = text
    },
    destroy () { chart.destroy() }
  }
}
