import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type App } from '../../src/app.js';
import { compileServerOptions, type ServerOptions } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createClient } from '../../src/transport/client.js';
import type { RecommenderClient } from '../../src/gen/recommender/v1/Recommender.js';

export interface TestServer {
  app: App;
  client: RecommenderClient;
  address: string;
  dataDir: string;
  /** Stops the server (keeps the data dir, e.g. to restart on it). */
  stop(): Promise<void>;
  /** Stops and removes the data dir. */
  dispose(): Promise<void>;
}

export function tempDataDir(prefix = 'rec-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A real server on 127.0.0.1:0 over a real data directory, and a generated-type client. */
export async function startTestServer(options: ServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDataDir();
  // HTTP (metrics, console) off unless a test asks for it (httpPort: 'any').
  const compiled = compileServerOptions({ port: 0, host: '127.0.0.1', httpPort: 0, shutdownGraceMs: 2000, webhookAllowlist: ['127.0.0.1'], backend: 'wasm', workers: 1, ...options, dataDir });
  const app = await startApp(compiled, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
  const address = `127.0.0.1:${app.port}`;
  const client = createClient({ address, apiKey: options.apiKeys?.[0] });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    client.close();
    await app.stop();
  };
  return { app, client, address, dataDir, stop, dispose: async () => { await stop(); rmSync(dataDir, { recursive: true, force: true }); } };
}

/** Promisifies a unary call of the generated client: `call(client.ListBatches.bind(client), req)`. */
export function call<Req, Res>(method: (req: Req, cb: (err: Error | null, res?: Res) => void) => unknown, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(req, (err, res) => (err ? reject(err) : resolve(res as Res)));
  });
}
