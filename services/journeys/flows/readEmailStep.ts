import type { FieldReader } from './fieldReader.js'
import type { EmailStep } from './flowDefinition.js'
import { isTemplate } from './template.js'
import { readRetry } from './readRetry.js'
import type { StepSpec } from './stepSpec.js'

// One address, no spaces or line breaks: a line break in a header field would start a new header.
export const EMAIL_ADDRESS = /^[^\s@]+@[^\s@]+$/
const MAX_ADDRESS_LENGTH = 320
const MAX_SUBJECT_LENGTH = 1000

/** `{to, subject, text, html?}`, every one a template; a literal `to` must be an address. */
export const emailStepSpec: StepSpec = {
  fields: ['to', 'subject', 'text', 'html', 'retry'],
  required: ['to', 'subject', 'text'],
  edges: 'sequential',
  read (reader: FieldReader, base): EmailStep | undefined {
    const to = reader.template('to', MAX_ADDRESS_LENGTH)
    if (to !== undefined && !isTemplate(to) && !EMAIL_ADDRESS.test(to)) reader.fail('to', `${JSON.stringify(to)} is not an email address`)
    const subject = reader.template('subject', MAX_SUBJECT_LENGTH)
    const text = reader.template('text')
    const html = reader.template('html')
    const retry = readRetry(reader)
    if (reader.failed || to === undefined || subject === undefined || text === undefined || retry === undefined) return undefined
    return { ...base.fields, type: 'email', to, subject, text, ...(html === undefined ? {} : { html }), retry, next: base.next }
  }
}
