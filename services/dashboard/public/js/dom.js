/**
 * Building DOM without HTML strings: every text goes through textContent, so data from the API
 * (an event property such as `<script>`) is shown as text and never parsed as markup.
 */

/**
 * An element with attributes and children. `attrs` keys are attribute names; `on…` functions are
 * listeners; `false`, `null` and `undefined` values are left out. Children are nodes, strings
 * (text nodes), or nested arrays; `null`/`undefined`/`false` children are skipped.
 */
export function h (tag, attrs = {}, ...children) {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value)
    } else if (value === true) {
      element.setAttribute(name, '')
    } else {
      element.setAttribute(name, String(value))
    }
  }
  append(element, children)
  return element
}

function append (parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    if (Array.isArray(child)) append(parent, child)
    else parent.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
}

/** Replaces every child of `parent` with `children`. */
export function replaceChildren (parent, ...children) {
  parent.replaceChildren()
  append(parent, children)
}

const SVG_NS = 'http://www.w3.org/2000/svg'

/** An SVG element, in the SVG namespace. */
export function svg (tag, attrs = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue
    element.setAttribute(name, String(value))
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    element.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return element
}

/**
 * A table with a caption, column headings and rows of cells (each a node or text). Each cell
 * carries its column's name in `data-label`, which narrow screens show beside it when rows stack.
 */
export function table ({ caption, columns, rows, empty = 'Nothing to show.', className = 'data' }) {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty)
  return h('div', { class: 'table-scroll' },
    h('table', { class: className },
      caption === undefined ? null : h('caption', {}, caption),
      h('thead', {}, h('tr', {}, columns.map((column) => h('th', { scope: 'col' }, column)))),
      h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell, i) => h('td', { 'data-label': columns[i] || null }, cell)))))
    )
  )
}

/** A status shown as a coloured badge, with the status as its text. */
export function badge (status) {
  return h('span', { class: `badge badge-${String(status).replace(/[^a-z-]/g, '')}` }, status)
}

/** A labelled form field: the label wraps nothing, it points at the control by id. */
export function field (label, control) {
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control)
}

/** A <select> with options given as [value, text] pairs. */
export function select (attrs, options, selected = '') {
  return h('select', attrs, options.map(([value, text]) => h('option', { value, selected: value === selected }, text)))
}
