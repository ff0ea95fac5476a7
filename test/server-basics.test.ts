import { Metadata, status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createClient } from '../src/transport/client.js';
import { checkHealth as check, healthClient } from './helpers/health.js';


describe('server basics', () => {
  let srv: TestServer | undefined;
  afterEach(async () => { await srv?.dispose(); srv = undefined; });

  it('answers health checks, and NOT_SERVING once shutdown starts', async () => {
    srv = await startTestServer();
    const h = healthClient(srv.address);
    expect(await check(h, '')).toBe('SERVING');
    expect(await check(h, 'recommender.v1.Recommender')).toBe('SERVING');
    srv.app.grpc.health.setStatus('', 'NOT_SERVING');
    expect(await check(h, '')).toBe('NOT_SERVING');
    h.close();
  });

  it('requires an API key when keys are configured, except for health', async () => {
    srv = await startTestServer({ apiKeys: ['k-123'] });
    const noKey = createClient({ address: srv.address });
    const wrongKey = createClient({ address: srv.address, apiKey: 'nope' });
    const listBatches = (c: any) => new Promise<any>((resolve) => c.ListBatches({}, (err: any, res: any) => resolve(err ?? res)));
    expect((await listBatches(noKey)).code).toBe(status.UNAUTHENTICATED);
    expect((await listBatches(wrongKey)).code).toBe(status.UNAUTHENTICATED);
    // Right key: passes auth (the method itself may or may not be implemented yet, but is not UNAUTHENTICATED).
    const ok = await listBatches(srv.client);
    expect(ok.code).not.toBe(status.UNAUTHENTICATED);
    const bearer = new Metadata();
    bearer.set('authorization', 'Bearer k-123');
    const viaBearer = await new Promise<any>((resolve) => (noKey as any).ListBatches({}, bearer, (err: any, res: any) => resolve(err ?? res)));
    expect(viaBearer.code).not.toBe(status.UNAUTHENTICATED);
    const h = healthClient(srv.address);
    expect(await check(h, '')).toBe('SERVING');
    h.close(); noKey.close(); wrongKey.close();
  });

  it('server-streaming calls deliver domain errors as their status (not CANCELLED)', async () => {
    srv = await startTestServer();
    const stream = srv.client.RecommendAll({ model_id: 'no-such-model' });
    const err: any = await new Promise((resolve) => {
      stream.on('data', () => undefined);
      stream.on('error', resolve);
      stream.on('end', () => resolve(new Error('stream ended without a status error')));
    });
    expect(err.code).toBe(status.NOT_FOUND);
    expect(err.details).toMatch(/no-such-model/);
  });
});
