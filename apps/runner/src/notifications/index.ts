export { Notifier, notificationSecrets } from './notifier';
export type { DayFigures, NotifierTuning } from './notifier';
export { messageBody, TEXT_LIMITS, truncate } from './messages';
export type { Notification } from './messages';
export { WebhookDelivery } from './delivery';
export type { DeliveryOptions, DeliveryStats, DeliveryTuning } from './delivery';
