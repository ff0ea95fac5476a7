import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model__Output } from '../src/gen/recommender/v1/Model.js';
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

  it('train passes the solver, objective and promote flags; a bad one names its flag', async () => {
    const t = await cli(['train', '--model-id', 'cli-solver', '--tags', 'cli', '--factors', '8', '--iterations', '2', '--solver', 'subspace', '--block-size', '4',
      '--log-scaling', 'on', '--regularization-exponent', '0.5', '--unobserved-weight', '0.5', '--promote', 'always', '--watch', '--json']);
    expect(t.code, t.stderr).toBe(0);
    const m = await cli(['status', 'cli-solver', '--json']);
    expect(JSON.parse(m.stdout)).toMatchObject({ status: 'COMPLETED' });
    const model = await new Promise<Model__Output>((resolve, reject) => {
      srv.client.GetModel({ model_id: 'cli-solver' }, (err: Error | null, r?: Model__Output) => (err ? reject(err) : resolve(r!)));
    });
    expect(model.hyperparameters).toMatchObject({ solver: 'subspace', block_size: 4, log_scaling: true, regularization_exponent: 0.5, unobserved_weight: 0.5 });
    const badSolver = await cli(['train', '--tags', 'cli', '--solver', 'newton']);
    expect(badSolver.code).toBe(1);
    expect(badSolver.stderr).toMatch(/--solver/);
    const badPromote = await cli(['train', '--tags', 'cli', '--promote', 'sometimes']);
    expect(badPromote.code).toBe(2);
    expect(badPromote.stderr).toMatch(/--promote must be always or if-better/);
    const gate = await cli(['train', '--tags', 'cli', '--promote', 'if-better']);
    expect(gate.code).toBe(1);
    expect(gate.stderr).toMatch(/PROMOTE_IF_BETTER compares evaluations.*--holdout/s);
  }, 180_000);

  it('train --tune watches the search and prints the trials table; tuning flags need --tune; a bad range names its flag', async () => {
    const t = await cli(['train', '--model-id', 'cli-tuned', '--tags', 'cli', '--factors', '4', '--iterations', '2', '--tune', '--trials', '3',
      '--time-budget', '120', '--metric', 'recall', '--tune-k', '5', '--search', 'alpha=0.5,2', '--search', 'regularization=1:100:log']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toMatch(/tuning trial \d\/3/);
    expect(t.stdout).toMatch(/model cli-tuned {2}job job-\S+ {2}COMPLETED/);
    expect(t.stdout).toMatch(/tuning: 3 trials in [\d.]+ s, validation 0\.1 of each source; trial \d chosen and retrained on the whole selection/);
    expect(t.stdout).toMatch(/trial\s+phase\s+state\s+its\s+recall@5\s+seconds\s+regularization\s+alpha/);
    expect(t.stdout.split('\n').filter((l) => /^\s*\*?\d+\s+global\s+(completed|stopped|cancelled|error)\s/.test(l)).length).toBe(3);
    const stray = await cli(['train', '--trials', '3']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--trials needs --tune/);
    const bad = await cli(['train', '--tags', 'cli', '--tune', '--search', 'alpha=5:1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/tuning\.search\[0\]\.min/);
    expect(bad.stderr).toMatch(/--search/);
  }, 180_000);
});
