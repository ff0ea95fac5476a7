import { parse } from '../args.js';

const HELP = `usage: recommender serve [--data-dir DIR] [--host H] [--port P] [--http-port P|0|any] [--api-keys k1,k2]
                        [--tls-cert F --tls-key F] [--backend auto|tensorflow|webgpu|wasm|cpu|native-cpu|spark]
                        [--workers N] [--max-workers N] [--max-upload-bytes N] [--training-concurrency N]
                        [--serving-threads N] [--model-versions-kept N] [--shutdown-grace-ms N]
                        [--spark-master URL] [--spark-python P] [--spark-submit P] [--spark-conf k=v ...] [--spark-staging DIR|URI]
--http-port: /metrics, /healthz and the web console on the same host (default 50052; 0 = off; any = a free port).
--model-versions-kept: completed versions kept per model (default 5; the serving one is always kept).
--spark-*: the spark backend (README "Training on a Spark cluster").
Environment: RECOMMENDER_DATA_DIR, RECOMMENDER_HOST, RECOMMENDER_PORT, RECOMMENDER_HTTP_PORT, RECOMMENDER_API_KEYS, RECOMMENDER_TLS_CERT,
RECOMMENDER_TLS_KEY, RECOMMENDER_BACKEND, RECOMMENDER_WORKERS, RECOMMENDER_MAX_WORKERS, RECOMMENDER_SERVING_THREADS,
RECOMMENDER_MODEL_VERSIONS_KEPT, RECOMMENDER_SHUTDOWN_GRACE_MS, RECOMMENDER_WEBHOOK_SECRET, RECOMMENDER_WEBHOOK_ALLOW,
RECOMMENDER_SPARK_MASTER, RECOMMENDER_SPARK_PYTHON, RECOMMENDER_SPARK_SUBMIT, RECOMMENDER_SPARK_CONF, RECOMMENDER_SPARK_STAGING, LOG_LEVEL.
SIGTERM/SIGINT: health NOT_SERVING, open calls drain, and the process exits within the grace period whatever
is running (a second signal exits at once).`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    'data-dir': { type: 'string' }, host: { type: 'string' }, port: { type: 'string' },
    'api-keys': { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' },
    backend: { type: 'string' }, workers: { type: 'string' }, 'max-workers': { type: 'string' }, 'max-upload-bytes': { type: 'string' },
    'training-concurrency': { type: 'string' }, 'serving-threads': { type: 'string' }, 'shutdown-grace-ms': { type: 'string' },
    help: { type: 'boolean', short: 'h' }, 'http-port': { type: 'string' }, 'model-versions-kept': { type: 'string' },
    'spark-master': { type: 'string' }, 'spark-python': { type: 'string' }, 'spark-submit': { type: 'string' },
    'spark-conf': { type: 'string', multiple: true }, 'spark-staging': { type: 'string' },
  });
  if (values.help) { console.log(HELP); return 0; }
  // The service itself (grpc, SQLite, tfjs, ...) loads only now, so --help stays fast.
  const [{ startApp }, { compileServerOptions, optionsFromEnv, httpPortOf }, { createLogger }, { parseSparkConf }] = await Promise.all([
    import('../../app.js'), import('../../config.js'), import('../../log.js'), import('../../service/spark/settings.js'),
  ]);
  const n = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const options = compileServerOptions(optionsFromEnv(), {
    dataDir: values['data-dir'], host: values.host, port: n(values.port),
    apiKeys: values['api-keys']?.split(',').filter(Boolean), tlsCertFile: values['tls-cert'], tlsKeyFile: values['tls-key'],
    backend: values.backend, workers: n(values.workers), maxWorkers: n(values['max-workers']), maxUploadBytes: n(values['max-upload-bytes']),
    trainingConcurrency: n(values['training-concurrency']), servingThreads: n(values['serving-threads']),
    httpPort: httpPortOf(values['http-port']), modelVersionsKept: n(values['model-versions-kept']),
    shutdownGraceMs: n(values['shutdown-grace-ms']),
    spark: {
      master: values['spark-master'], python: values['spark-python'], submit: values['spark-submit'],
      conf: parseSparkConf(values['spark-conf'], '--spark-conf'), staging: values['spark-staging'],
    },
  });
  const log = createLogger(options.logLevel);
  let app: Awaited<ReturnType<typeof startApp>>;
  try {
    app = await startApp(options, log);
  } catch (err) {
    // A port in use, a bad certificate, an unreadable data directory: say so and exit non-zero. Exit at
    // once: what started before the failure (webhook timers, worker threads) would keep the process up.
    const where = `${options.host}:${options.port}`;
    const msg = (err as Error).message;
    const inUse = /EADDRINUSE|address already in use/i.test(msg) && !msg.startsWith('cannot listen for HTTP');
    log.fatal({ err }, 'could not start');
    console.error(`recommender serve: ${inUse ? `cannot listen on ${where}: the address is in use (another server running? choose another --port / RECOMMENDER_PORT)` : `could not start: ${msg}`}`);
    process.exit(1);
  }
  log.info({ dataDir: options.dataDir, port: app.port, httpPort: app.http?.port }, 'ready');
  const code = await new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        resolve(1);
        return;
      }
      stopping = true;
      log.info({ signal }, 'signal received');
      // Whatever is running (a training write, a stuck upload, a worker that does not answer), the process
      // ends within the grace period: the calls drain for two thirds of it (at most until a second before it),
      // the services stop in the rest (ending a training worker on a loaded machine takes a while), then this
      // deadline exits.
      const grace = options.shutdownGraceMs;
      const deadline = setTimeout(() => {
        log.error({ graceMs: grace }, 'shutdown did not finish within the grace period: exiting');
        resolve(1);
      }, grace);
      app.stop(Math.max(0, grace - Math.max(1000, grace / 3))).then(() => { clearTimeout(deadline); resolve(0); }, (err: unknown) => {
        clearTimeout(deadline);
        log.error({ err }, 'shutdown failed');
        resolve(1);
      });
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
  // Exit now: a worker thread or a timer left running must not keep the process up.
  process.exit(code);
}
