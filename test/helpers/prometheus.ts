/** Scraping a server's /metrics in tests: the Prometheus text format parsed into samples. */

export interface Sample { name: string; labels: Record<string, string>; value: number }

/** Parses the Prometheus text exposition format (samples only; HELP/TYPE lines are skipped). */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, value: Number(m[4]) });
  }
  return out;
}

/** GET /metrics (with `headers`), parsed; throws unless it answers 200 in the Prometheus content type. */
export async function scrape(base: string, headers: Record<string, string> = {}): Promise<Sample[]> {
  const r = await fetch(`${base}/metrics`, { headers });
  if (r.status !== 200) throw new Error(`/metrics answered ${r.status}: ${await r.text()}`);
  if (!/^text\/plain; version=0\.0\.4/.test(r.headers.get('content-type') ?? '')) throw new Error(`content-type ${r.headers.get('content-type')}`);
  return parsePrometheus(await r.text());
}

/** The value of the one sample with exactly this name and these labels (undefined when absent). */
export function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels);
  const hits = samples.filter((s) => s.name === name && Object.keys(s.labels).length === want.length && want.every(([k, v]) => s.labels[k] === v));
  if (hits.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${hits.length} samples`);
  return hits[0]?.value;
}
