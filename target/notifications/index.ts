export { notificationsRouter, notificationSchema } from './routes.ts';
export type { Notification } from './routes.ts';
export { startNotificationConsumer, ensureGroup, NOTIFICATIONS_GROUP } from './consumer.ts';
export type { NotificationConsumer, ConsumerOptions } from './consumer.ts';
export { createEventRelay } from '../platform/relay.ts';
export type { EventRelay, RecordedEvent } from '../platform/relay.ts';
export { applyEvent, parseEntry } from './handlers.ts';
export type { StreamEvent } from './handlers.ts';
export { startFeatureBackground, forgetDeadConsumers } from './background.ts';
