/**
 * The flows a new installation starts with (saved only into an empty database): a welcome series
 * and an appointment reminder, with durations short enough to watch a run go by. Their webhooks go
 * to `webhookBaseUrl`, the built-in receiver when the mocks run.
 */
export function sampleFlows (webhookBaseUrl: string): { readonly id: string, readonly definition: Readonly<Record<string, unknown>> }[] {
  return [
    {
      id: 'welcome-series',
      definition: {
        name: 'Welcome series',
        trigger: { event: 'signup', next: ['welcome'] },
        entry: 'once',
        exit: { event: 'unsubscribed' },
        steps: [
          { id: 'welcome', type: 'email', to: '{{user.email}}', subject: 'Welcome, {{user.userName}}', text: 'Hello {{user.userName}}, welcome aboard.', next: ['pause'] },
          { id: 'pause', type: 'wait', duration: 'PT5S', next: ['booked'] },
          { id: 'booked', type: 'waitForEvent', event: 'appointment_booked', timeout: 'PT10S', lookback: 'PT1M', then: ['clinic'], else: ['remind'] },
          { id: 'remind', type: 'email', to: '{{user.email}}', subject: 'Book your first visit', text: 'Whenever you are ready, book your first visit.', next: ['done'] },
          { id: 'clinic', type: 'webhook', url: `${webhookBaseUrl}/clinic/booked`, body: { user: '{{user.id}}', event: '{{event.id}}' }, next: ['done'] },
          { id: 'done', type: 'webhook', url: `${webhookBaseUrl}/crm/journey-done`, body: { user: '{{user.id}}', flow: 'welcome-series' } }
        ]
      }
    },
    {
      id: 'appointment-reminder',
      definition: {
        name: 'Appointment reminder',
        trigger: { event: 'appointment_booked', next: ['until-reminder'] },
        entry: 'once-per-event',
        exit: { event: 'appointment_cancelled' },
        steps: [
          { id: 'until-reminder', type: 'wait', until: '{{event.properties.remindAt}}', next: ['reminder'] },
          { id: 'reminder', type: 'email', to: '{{user.email}}', subject: 'Your appointment', text: 'A reminder of your appointment {{event.properties.appointmentId}}.', next: ['tell-clinic'] },
          { id: 'tell-clinic', type: 'webhook', url: `${webhookBaseUrl}/clinic/reminded`, body: { user: '{{user.id}}', appointment: '{{event.properties.appointmentId}}' } }
        ]
      }
    }
  ]
}
