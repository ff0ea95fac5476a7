import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pythonLacks } from '../scripts/python.mjs';
import { runPython } from './helpers/pyarrow.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import type { GetModelRequest } from '../src/gen/recommender/v1/GetModelRequest.js';
import type { Model__Output } from '../src/gen/recommender/v1/Model.js';
import { readStoredBatch } from '../src/data/batch-reader.js';
import { interactionColumns } from './helpers/stored-columns.js';
import { DataDir } from '../src/data-dir.js';

const missing = pythonLacks(['grpc', 'grpc_tools', 'pyarrow']);
if (missing && process.env.CI === 'true') throw new Error(`CI: the Python interop test must run: ${missing}`);

describe.skipIf(missing !== undefined)('Python client interop (grpcio + pyarrow)', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startTestServer({ apiKeys: ['py-key'] }); });
  afterAll(async () => { await s.dispose(); });

  it('imports Arrow written by pyarrow over gRPC, then lists it', async () => {
    const run = await runPython([resolve('test/interop/python_import.py'), s.address, resolve('.'), 'py-key']);
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { imported: Record<string, unknown>; listed: Record<string, unknown>[]; retry_same_id: boolean };
    expect(out.imported).toMatchObject({ kind: 'INTERACTIONS', tags: ['python', 'interop'], interaction_count: '2500', distinct_source_count: '50', distinct_target_count: '300', untimestamped_count: '250', request_id: 'py-1' });
    expect(out.retry_same_id).toBe(true);
    expect(out.listed).toHaveLength(1);
    expect(out.listed[0]!.batch_id).toBe(out.imported.batch_id);
    expect(out.listed[0]!.min_interaction_time).toBe('2023-11-14T22:13:20.001Z');
    const batches = [...readStoredBatch(new DataDir(s.dataDir).batchFile(out.imported.batch_id as string))];
    expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(2500);
    const c = interactionColumns(batches[0]!);
    expect(c.sourceId[51]).toBe('py-user-1');
    expect(c.targetId[299]).toBe('py-item-299');
    expect(c.type.slice(0, 2)).toEqual([null, 'click']);
    expect(c.timestampMs[1]).toBe(1_700_000_000_001);
    expect(Number.isNaN(c.timestampMs[0])).toBe(true);
    expect(c.weight[4]).toBe(4);
  }, 180_000);

  it("README's Python client: the protoc command, then examples/python/quickstart.py imports, trains, watches and recommends", async () => {
    const gen = mkdtempSync(join(tmpdir(), 'rec-pygen-'));
    try {
      // The command the README gives, with --python_out/--grpc_python_out pointed at a temp folder.
      const protoc = await runPython(['-m', 'grpc_tools.protoc', '-I', 'proto', `--python_out=${gen}`, `--grpc_python_out=${gen}`, 'proto/recommender/v1/recommender.proto']);
      expect(protoc.status, protoc.stderr).toBe(0);
      const run = await runPython([resolve('examples/python/quickstart.py'), s.address, 'py-key'], { PYTHONPATH: gen });
      expect(run.status, run.stderr + run.stdout).toBe(0);
      expect(run.stdout).toMatch(/imported batch \S+: 480 interactions, 60 sources, 45 targets/);
      expect(run.stdout).toMatch(/COMPLETED 100\.0% it 5\/5 loss/);
      const result = JSON.parse(run.stdout.split('\n').find((l) => l.startsWith('RESULT '))!.slice(7)) as { job_id: string; status: string; strategy: string; recommendations: string[] };
      expect(result).toMatchObject({ status: 'COMPLETED', strategy: 'model' });
      expect(result.recommendations).toHaveLength(5);
      const model = await call<GetModelRequest, Model__Output>(s.client.GetModel.bind(s.client), { model_id: 'quickstart' });
      expect(model).toMatchObject({ job_id: result.job_id, serving: true });
    } finally {
      rmSync(gen, { recursive: true, force: true });
    }
  }, 180_000);
});
