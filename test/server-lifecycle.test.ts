import { credentials, loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../src/transport/client.js';
import { call, startTestServer, tempDataDir, type TestServer } from './helpers/server.js';
import { python } from '../scripts/python.mjs';
import { spawnServe } from './helpers/cli.js';
import { checkHealth, healthClient } from './helpers/health.js';
import { getStatus, importBatch, randomRows, waitFor, watchAll } from './helpers/jobs.js';
import { interactionsStream } from './helpers/ipc-writer.js';

const require = createRequire(import.meta.url);
const reflectionProto = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto/grpc/reflection/v1/reflection.proto');

function reflectionRequest(address: string, req: object): Promise<any> {
  const def = loadSync(reflectionProto, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = loadPackageDefinition(def) as any;
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const stream = client.ServerReflectionInfo();
    stream.on('data', (res: any) => { resolve(res); stream.end(); client.close(); });
    stream.on('error', reject);
    stream.write(req);
  });
}

describe('server lifecycle', () => {
  let srv: TestServer | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await srv?.dispose();
    srv = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('serves reflection, so grpcurl works without the proto', async () => {
    srv = await startTestServer();
    const list = await reflectionRequest(srv.address, { list_services: '' });
    const names = list.list_services_response.service.map((s: any) => s.name);
    expect(names).toContain('recommender.v1.Recommender');
    expect(names).toContain('grpc.health.v1.Health');
    const file = await reflectionRequest(srv.address, { file_containing_symbol: 'recommender.v1.Recommender' });
    const protos: Buffer[] = file.file_descriptor_response.file_descriptor_proto;
    expect(protos.length).toBeGreaterThan(0);
    // The descriptors must link the way protoc-based clients (grpcurl, ghz) link them: declared
    // dependencies (google.protobuf.Timestamp) and protoc's map entry names. Python's upb pool is as strict.
    const dir = mkdtempSync(join(tmpdir(), 'rec-refl-'));
    dirs.push(dir);
    const paths = protos.map((b, i) => { const p = join(dir, `${i}.pb`); writeFileSync(p, b); return p; });
    let out: string;
    try {
      out = execFileSync(python, [join(import.meta.dirname, 'interop', 'descriptor_check.py'), ...paths], { encoding: 'utf8' });
    } catch (err) {
      const e = err as { stderr?: string; code?: string };
      if (process.env.CI !== 'true' && (e.code === 'ENOENT' || /No module named/.test(String(e.stderr)))) return; // python deps absent outside CI
      throw new Error(`descriptor check failed: ${e.stderr ?? err}`);
    }
    expect(out.trim()).toBe('ok 17'); // the Recommender service's 17 RPCs
  });

  it('serves over TLS with a configured certificate and refuses plaintext', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rec-tls-'));
    dirs.push(dir);
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    srv = await startTestServer({ tlsCertFile: cert, tlsKeyFile: key, httpPort: 'any' });
    // The HTTP listener (metrics, console) is HTTPS with the same certificate; plain HTTP gets no answer.
    const httpPort = srv.app.http!.port;
    const healthz = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      httpsGet({ host: '127.0.0.1', port: httpPort, path: '/healthz', ca: readFileSync(cert), servername: 'localhost' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode, body }));
      }).on('error', reject);
    });
    expect(healthz.status).toBe(200);
    const plainHttp = await fetch(`http://127.0.0.1:${httpPort}/healthz`).then((r) => r.status, (e: Error) => e);
    expect(plainHttp).toBeInstanceOf(Error);
    const secure = createClient({ address: `localhost:${srv.app.port}`, caFile: cert });
    const res = await call(secure.ListBatches.bind(secure), {}).catch((e) => e);
    // Reached the service over TLS: any answer but UNAVAILABLE (the method may be answered or not by then).
    expect(res.code).not.toBe(14);
    const plain = createClient({ address: `127.0.0.1:${srv.app.port}` });
    const err = await call(plain.ListBatches.bind(plain), {}).catch((e) => e);
    expect(err.code).toBe(14);
    secure.close();
    plain.close();
  });

  it('rejects a TLS configuration with only a certificate', async () => {
    await expect(startTestServer({ tlsCertFile: '/nonexistent.pem' })).rejects.toThrow(/both a certificate and a key/);
  });

  it('shuts down gracefully on SIGTERM and SIGINT: health goes NOT_SERVING, process exits 0', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const dataDir = tempDataDir();
      dirs.push(dataDir);
      const serve = spawnServe(dataDir, [], { env: { RECOMMENDER_BACKEND: 'wasm' } });
      const port = await serve.ready;
      const h = healthClient(`127.0.0.1:${port}`);
      expect(await checkHealth(h)).toBe('SERVING');
      serve.child.kill(signal);
      expect(await serve.exited).toBe(0);
      expect(serve.log()).toContain('"msg":"stopped"');
      expect(existsSync(join(dataDir, 'catalog.sqlite'))).toBe(true);
      h.close();
    }
  });

  it('SIGTERM stops the server within its grace period while a training job, an upload and a watcher run', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const serve = spawnServe(dataDir, ['--shutdown-grace-ms', '9000', '--max-workers', '2'], { env: { RECOMMENDER_BACKEND: 'native-cpu' } });
    const port = await serve.ready;
    const client = createClient({ address: `127.0.0.1:${port}` });
    await importBatch({ client } as TestServer, 'INTERACTIONS', randomRows(3000, 1500, 30, 5), ['t']);
    const job = await call(client.Train.bind(client), { model_id: 'busy', hyperparameters: { workers: 2, factors: 64, iterations: 1000 } }) as { job_id: string };
    await waitFor(async () => (await getStatus(client, { job_id: job.job_id })).iteration >= 1, 120_000, 'training to run');
    const watch = watchAll(client, { job_id: job.job_id });
    // An upload that never ends: header and one chunk, then silence.
    const upload = client.ImportBatch(() => undefined);
    upload.write({ header: { kind: 'INTERACTIONS', tags: ['slow'] } });
    upload.write({ arrow_chunk: Buffer.from(interactionsStream(['a'], ['b']).subarray(0, 40)) });
    await new Promise((r) => setTimeout(r, 200));
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.log()).toContain('"msg":"stopped"');
    expect(serve.log()).not.toContain('did not finish within the grace period');
    await watch;
    client.close();
  }, 180_000);

  it('serve exits 1 naming the address when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const dataDir = tempDataDir();
      dirs.push(dataDir);
      const serve = spawnServe(dataDir, [], { port, env: { RECOMMENDER_BACKEND: 'wasm' } });
      await expect(serve.ready).rejects.toThrow(/exited early/);
      expect(await serve.exited).toBe(1);
      expect(serve.log()).toContain(`recommender serve: cannot listen on 127.0.0.1:${port}: the address is in use`);
    } finally {
      blocker.close();
    }
  });
});
