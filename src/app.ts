import type { CompiledServerOptions } from './config.js';
import type { RecommenderHandlers } from './gen/recommender/v1/Recommender.js';
import { createLogger, type Logger } from './log.js';
import { openCatalog, type Db } from './service/store/catalog.js';
import { startGrpcServer, type GrpcServer } from './transport/server.js';

/**
 * The composition root: opens the store, builds the services, binds the transport. The only module
 * that knows every layer; layers below it never import it.
 */
export interface App {
  options: CompiledServerOptions;
  log: Logger;
  db: Db;
  grpc: GrpcServer;
  port: number;
  /** Graceful stop: health NOT_SERVING, drain calls within the grace period, stop services, close the store. */
  stop(graceMs?: number): Promise<void>;
}

export async function startApp(options: CompiledServerOptions, log: Logger = createLogger(options.logLevel)): Promise<App> {
  const db = openCatalog(options.dataDir);
  /** Run after the transport has drained (stop services, in reverse order of creation). */
  const closers: Array<() => Promise<void> | void> = [];
  /** Run when shutdown starts, before draining: end long-lived streams (WatchStatus, RecommendAll) so drain can finish. */
  const beforeDrain: Array<() => Promise<void> | void> = [];

  const handlers: Partial<RecommenderHandlers> = {
  };

  const grpc = await startGrpcServer(options, handlers, log);
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = options.shutdownGraceMs) => {
    stopping ??= (async () => {
      log.info({ graceMs }, 'shutting down');
      grpc.health.setStatus('', 'NOT_SERVING');
      for (const end of beforeDrain) await end();
      await grpc.shutdown(graceMs);
      for (const close of closers.reverse()) await close();
      db.close();
      log.info('stopped');
    })();
    return stopping;
  };
  return { options, log, db, grpc, port: grpc.port, stop };
}
