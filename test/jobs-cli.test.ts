import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { importBatch, randomRows } from './helpers/jobs.js';

/** `recommender train --watch` and `recommender status` against a real server. */
let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
  await importBatch(srv, 'INTERACTIONS', randomRows(100, 60, 5), ['cli']);
});
afterAll(async () => { await srv?.dispose(); });

const cli = (args: string[]) => runCli([...args, '--server', srv.address]);

describe('CLI', () => {
  it('train --watch shows progress and exits 0 on COMPLETED; status prints it; failures exit non-zero', async () => {
    const t = await cli(['train', '--model-id', 'cli-m', '--tags', 'cli', '--max-age-days', '90', '--factors', '8', '--iterations', '3', '--watch']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toMatch(/\[#+\.*\]\s+\d+% (queued|running|completed) it \d+\/3/);
    expect(t.stderr).toMatch(/100% completed it 3\/3 loss /);
    expect(t.stdout).toMatch(/model cli-m {2}job job-\S+ {2}COMPLETED/);
    const s = await cli(['status', 'cli-m', '--json']);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ model_id: 'cli-m', status: 'COMPLETED', data: { interactions: '500' } });
    const bad = await cli(['train', '--model-id', 'cli-bad', '--tags', 'none', '--factors', '8', '--iterations', '3', '--watch']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/ERROR: no interactions selected/);
    const inval = await cli(['train', '--factors', '0']);
    expect(inval.code).toBe(1);
    expect(inval.stderr).toMatch(/field hyperparameters\.factors/);
    const missing = await cli(['status', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no model "nope"/);
  }, 180_000);
});
