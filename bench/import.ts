/**
 * Import benchmark (issue 2): N synthetic interactions through gRPC into a server running as a SEPARATE
 * process (`recommender serve`, fresh data dir); the client (this process) streams a pre-generated Arrow
 * IPC stream file in 1 MiB messages, so the timed part is transport + server decode/normalize/stats/write
 * + fsync + commit. Server peak RSS = VmHWM of the server process (/proc/<pid>/status) after the import.
 * Then the CLI CSV path: `recommender import file.csv` (a separate CLI process) against the same server.
 *
 * usage: flock /tmp/bench.lock npx tsx bench/import.ts [--rows 10000000] [--csv-rows 10000000] [--sources 1000000] [--targets 100000]
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { once } from 'node:events';
import { createClient } from '../src/transport/client.js';
import { uploadArrow } from '../src/cli/import/upload.js';
import { syntheticIpcStream } from './synthetic-interactions.js';
import { cpuSeconds, mib, startServer, vm } from './server-process.js';

const { values } = parseArgs({ options: {
  rows: { type: 'string', default: '10000000' }, 'csv-rows': { type: 'string', default: '10000000' },
  sources: { type: 'string', default: '1000000' }, targets: { type: 'string', default: '100000' },
  keep: { type: 'boolean', default: false },
} });
const rows = Number(values.rows);
const csvRows = Number(values['csv-rows']);
const sources = Number(values.sources);
const targets = Number(values.targets);
const work = mkdtempSync(join(tmpdir(), 'rec-bench-import-'));

async function writeInputs(): Promise<{ arrowPath: string; csvPath: string }> {
  const arrowPath = join(work, 'interactions.arrows');
  const out = createWriteStream(arrowPath);
  for (const piece of syntheticIpcStream(rows, { sources, targets })) if (!out.write(piece)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  const csvPath = join(work, 'interactions.csv');
  const csv = createWriteStream(csvPath);
  csv.write('source_id,target_id,timestamp,weight\n');
  let s = 99991;
  const rnd = () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return s >>> 0; };
  let buf = '';
  for (let i = 0; i < csvRows; i++) {
    buf += `u${rnd() % sources},i${rnd() % targets},${1_600_000_000_000 + (rnd() % 100_000_000) * 1000},${1 + (rnd() % 5)}\n`;
    if (buf.length > 1 << 20) { if (!csv.write(buf)) await once(csv, 'drain'); buf = ''; }
  }
  csv.end(buf);
  await once(csv, 'finish');
  return { arrowPath, csvPath };
}

async function main(): Promise<void> {
  console.error(`generating ${rows} interactions (Arrow) and ${csvRows} (CSV) in ${work} ...`);
  const { arrowPath, csvPath } = await writeInputs();
  const arrowBytes = statSync(arrowPath).size;
  const csvBytes = statSync(csvPath).size;
  const dataDir = join(work, 'data');
  const { child, address } = await startServer(dataDir, [], { onLine: (l) => { if (l.includes('batch imported')) console.error(l); } });
  const pid = child.pid!;
  const rssIdle = vm(pid, 'VmRSS');
  const client = createClient({ address });

  // gRPC path.
  const cpu0 = cpuSeconds(pid);
  const clientCpu0 = process.cpuUsage();
  const t0 = performance.now();
  const batch = await uploadArrow(client, { kind: 'INTERACTIONS', tags: ['bench'] }, createReadStream(arrowPath, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>);
  const grpcS = (performance.now() - t0) / 1000;
  const grpcCpu = cpuSeconds(pid) - cpu0;
  const cc = process.cpuUsage(clientCpu0);
  const clientCpu = (cc.user + cc.system) / 1e6;
  const hwmAfterGrpc = vm(pid, 'VmHWM');
  client.close();

  // CLI CSV path (a separate process).
  const cpu1 = cpuSeconds(pid);
  const t1 = performance.now();
  const cliProc = spawn(process.execPath, ['bin/recommender.mjs', 'import', csvPath, '--tags', 'bench-csv', '--server', address, '--json', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let cliOut = '';
  cliProc.stdout!.on('data', (d: Buffer) => { cliOut += d; });
  let cliHwm = 0;
  const poll = setInterval(() => { try { cliHwm = Math.max(cliHwm, vm(cliProc.pid!, 'VmHWM')); } catch { /* exited */ } }, 200);
  const [code] = await once(cliProc, 'exit');
  clearInterval(poll);
  const csvS = (performance.now() - t1) / 1000;
  const csvServerCpu = cpuSeconds(pid) - cpu1;
  const csvBatch = JSON.parse(cliOut) as { interaction_count: string; distinct_source_count: string };
  const hwmEnd = vm(pid, 'VmHWM');
  child.kill('SIGTERM');
  await once(child, 'exit');

  const result = {
    rows, arrow_mib: mib(arrowBytes), grpc_seconds: grpcS.toFixed(2), grpc_rows_per_s: Math.round(rows / grpcS),
    server_cpu_seconds: grpcCpu.toFixed(2), client_cpu_seconds: clientCpu.toFixed(2), stored: batch.interaction_count, distinct_sources: batch.distinct_source_count,
    distinct_targets: batch.distinct_target_count, stored_mib: mib(Number(batch.bytes)),
    server_rss_idle_mib: mib(rssIdle), server_peak_rss_mib_after_grpc: mib(hwmAfterGrpc),
    csv_rows: csvRows, csv_mib: mib(csvBytes), csv_exit: code, csv_seconds: csvS.toFixed(2), csv_rows_per_s: Math.round(csvRows / csvS),
    csv_server_cpu_seconds: csvServerCpu.toFixed(2), csv_stored: csvBatch.interaction_count, cli_peak_rss_mib: mib(cliHwm),
    server_peak_rss_mib_end: mib(hwmEnd),
  };
  console.log(JSON.stringify(result, null, 2));
  if (!values.keep) rmSync(work, { recursive: true, force: true });
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
