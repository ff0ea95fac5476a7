/** Signed training callbacks (Standard Webhooks): the public surface of service/webhooks. */
export { WebhookDispatcher, toDeliveryStatus } from './dispatcher.js';
export type { WebhookDispatcherOptions, EnqueueRequest, CallbackDeliveryStatus } from './dispatcher.js';
export type { DeliveryRecord, DeliveryState } from './delivery-repo.js';
export { buildTrainingEvent } from './event.js';
export type { TrainingEvent, TrainingEventFields, TrainingEventType, TerminalJobStatus } from './event.js';
export { validateCallbackUrl, resolveAndCheck, CallbackTargetRefusedError, MAX_CALLBACK_URL_LENGTH } from './url-guard.js';
export { verifyWebhook, webhookHeaders, sign, WebhookVerificationError } from './signer.js';
export { loadOrCreateWebhookSecret, generateWebhookSecret } from './secret.js';
export { createWebhookDispatcher } from './create.js';
