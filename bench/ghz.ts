/**
 * Runs ghz (github.com/bojand/ghz) with a JSON report and reads the report back: the one way the serving
 * benchmarks (serving.ts, grpc-floor.ts) drive it.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface GhzSummary {
  count: number;
  rps: number;
  /** milliseconds */
  avgMs: number;
  maxMs: number;
  statuses: Record<string, number>;
  /** latency percentile (one of ghz's: 10, 25, 50, 75, 90, 95, 99) in milliseconds, 2 decimals */
  pctMs(p: number): number;
}

/** `args` without the report flags; ghz writes its JSON report to `outFile`. */
export async function runGhz(ghz: string, args: string[], outFile: string): Promise<GhzSummary> {
  await new Promise<void>((resolve, reject) => {
    const p = spawn(ghz, [...args, '--format', 'json', '--output', outFile], { stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ghz exited ${code}`))));
  });
  const rep = JSON.parse(readFileSync(outFile, 'utf8')) as {
    count: number; rps: number; average: number; slowest: number;
    latencyDistribution: Array<{ percentage: number; latency: number }>; statusCodeDistribution: Record<string, number>;
  };
  const ms = (ns: number) => +(ns / 1e6).toFixed(2);
  return {
    count: rep.count, rps: rep.rps, avgMs: ms(rep.average), maxMs: ms(rep.slowest), statuses: rep.statusCodeDistribution,
    pctMs: (p) => ms(rep.latencyDistribution.find((d) => d.percentage === p)?.latency ?? NaN),
  };
}
