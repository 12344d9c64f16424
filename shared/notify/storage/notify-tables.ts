/* The notification side's logical tables; the container adds the installation's prefix. */
/** Logical tables of the notification side (the configured prefix is added by the container). */
export const NOTIFY_TABLES = {
  /** Outbox rows whose cause has no row of its own (reconcile failures). */
  outbox: 'NotifyOutbox',
  /** Per PLS: one marker row per reminded period, next to that reminder's outbox row. */
  reminders: 'NotifyReminders',
  /** Per event and webhook: the delivery state (sending, delivered, retrying, poison). */
  deliveries: 'NotifyDeliveries',
  /** Every attempt, by day, newest first. */
  deliveryLog: 'NotifyDeliveryLog',
} as const;
