import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluatePopularity, evaluateRanking, splitHoldout, testCounts } from '../src/service/evaluation/evaluate.js';
import { runCli } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { serveModel, syntheticModel } from './helpers/serving.js';

const cli = (args: string[]) => runCli(args, { env: { LOG_LEVEL: 'silent' } });

let srv: TestServer;
const M = syntheticModel({ sources: 30, targets: 40, factors: 4, seed: 8, modelId: 'clim', jobId: 'clij' });
const csr = { rows: 30, cols: 40, ...M.seen };
const { train, test } = splitHoldout(csr, 0.3, 4);
M.meta.evaluation = {
  k: 5, holdout_fraction: 0.3, seed: 4, ...testCounts(test),
  model: evaluateRanking({ sourceFactors: M.sourceFactors, targetFactors: M.targetFactors, factors: 4, train, test, k: 5 }),
  baseline: evaluatePopularity(train, test, 5),
};

beforeAll(async () => {
  srv = await startTestServer();
  await serveModel(srv, M);
});
afterAll(async () => { await srv?.dispose(); });

describe('CLI recommend / evaluate', () => {
  it('recommend prints ranked ids (text and JSON) and names a bad field', async () => {
    const text = await cli(['recommend', '--server', srv.address, '--model-id', 'clim', '--source-id', 'u2', '--source-id', 'stranger', '--k', '3']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/source u2 \[model\]/);
    expect(text.stdout).toMatch(/source stranger \[popularity\]/);
    expect(text.stdout.match(/^\s+[123]\s+t\d+/gm)).toHaveLength(6);
    const json = await cli(['recommend', '--server', srv.address, '--model-id', 'clim', '--source-id', 'u2', '--k', '4', '--json']);
    const parsed = JSON.parse(json.stdout) as { results: Array<{ recommendations: unknown[] }>; job_id: string };
    expect(parsed.job_id).toBe('clij');
    expect(parsed.results[0]!.recommendations).toHaveLength(4);
    // --exact asks for exact scoring; on this small catalog (no index) the answer is the same ranking.
    const exact = await cli(['recommend', '--server', srv.address, '--model-id', 'clim', '--source-id', 'u2', '--k', '4', '--json', '--exact']);
    expect(exact.code).toBe(0);
    expect((JSON.parse(exact.stdout) as typeof parsed).results).toEqual(parsed.results);
    const bad = await cli(['recommend', '--server', srv.address, '--model-id', 'missing', '--source-id', 'u2']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/missing.*not found.*field model_id/);
  });

  it('evaluate prints model vs baseline metrics stored with the model', async () => {
    const out = await cli(['evaluate', '--server', srv.address, '--model-id', 'clim']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const ev = M.meta.evaluation as { model: { precision_at_k: number }; baseline: { precision_at_k: number } };
    expect(out.stdout).toContain(`precision@k       ${ev.model.precision_at_k.toFixed(4)}    ${ev.baseline.precision_at_k.toFixed(4)}`);
    expect(out.stdout).toMatch(/k = 5, holdout 0.3/);
  });
});
