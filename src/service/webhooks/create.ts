import type { Logger } from 'pino';
import type { CompiledServerOptions } from '../../config.js';
import type { Db } from '../store/catalog.js';
import type { ServiceMetrics } from '../metrics.js';
import { WebhookDispatcher } from './dispatcher.js';
import { loadOrCreateWebhookSecret } from './secret.js';

/** The dispatcher for a server: secret from config or the data dir, schedule/timeout/allowlist from options. */
export function createWebhookDispatcher(o: { options: CompiledServerOptions; db: Db; log: Logger; metrics?: ServiceMetrics }): WebhookDispatcher {
  const log = o.log.child({ component: 'webhooks' });
  const secret = loadOrCreateWebhookSecret({ dataDir: o.options.dataDir, configured: o.options.webhookSecret, log });
  return new WebhookDispatcher({
    db: o.db,
    secret,
    timeoutMs: o.options.webhookTimeoutMs,
    retryScheduleMs: o.options.webhookRetryScheduleMs,
    allowlist: o.options.webhookAllowlist,
    log,
    metrics: o.metrics,
  });
}
