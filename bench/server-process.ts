/** A `recommender serve` child process for the benchmarks, and what /proc says about it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A /proc/<pid>/status figure in bytes (VmRSS, VmHWM). */
export function vm(pid: number, key: string): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** User + system CPU seconds of a process. */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime (clock ticks of 10 ms)
}

export const mib = (b: number) => (b / 1048576).toFixed(0);

/**
 * Starts `bin` (default this checkout's bin/recommender.mjs) `serve` on a free port with `args`; resolves once it
 * logged "ready". `onLine` sees its log lines.
 */
export async function startServer(dataDir: string, args: string[] = [], o: { bin?: string; onLine?: (line: string) => void } = {}): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), o.bin ?? 'bin/recommender.mjs', 'serve', '--data-dir', dataDir, '--port', '0', '--max-upload-bytes', String(64 * 1024 ** 3), ...args], {
    env: { ...process.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      log += d;
      const m = log.match(/"port":(\d+)[^\n]*"msg":"ready"|"msg":"ready"[^\n]*"port":(\d+)/);
      if (m) resolve(Number(m[1] ?? m[2]));
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${log}`)));
  });
  if (o.onLine) child.stderr!.on('data', (d: Buffer) => { for (const l of String(d).split('\n')) if (l) o.onLine!(l); });
  return { child, address: `127.0.0.1:${port}` };
}
