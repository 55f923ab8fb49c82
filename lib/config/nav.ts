// The app's navigation, in order.
export const NAV = [
  { href: '/', label: 'Overview' },
  { href: '/tasks', label: 'Tasks' },
  { href: '/workers', label: 'Workers' },
  { href: '/queues', label: 'Queues' },
  { href: '/alerts', label: 'Alerts' },
  { href: '/audit', label: 'Audit' },
  { href: '/api-docs', label: 'API' },
  { href: '/settings', label: 'Settings' },
] as const;
