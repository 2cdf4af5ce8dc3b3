/**
 * The dashboard as the rest of the program sees it: its sessions (which the management API also
 * accepts), the cookie plugin they need, and the plugin serving its pages.
 */
export { DashboardSessions } from './session.js'
export { sessionPlugin } from './sessionPlugin.js'
export { dashboardPlugin } from './dashboardPlugin.js'
export type { DashboardPluginOptions } from './dashboardPlugin.js'
