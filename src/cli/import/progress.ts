/** A one-line progress display on stderr: bytes (and % when the total is known), rows, rates. */
export class Progress {
  private readonly started = performance.now();
  private last = 0;
  bytes = 0;
  rows = 0;
  constructor(private readonly label: string, private readonly totalBytes?: number, private readonly stream: NodeJS.WriteStream = process.stderr) {}

  private line(): string {
    const s = Math.max(1e-3, (performance.now() - this.started) / 1000);
    const mb = this.bytes / 1048576;
    const pct = this.totalBytes ? ` ${Math.min(100, (100 * this.bytes) / this.totalBytes).toFixed(1)}%` : '';
    const width = 24;
    const bar = this.totalBytes ? ` [${'#'.repeat(Math.round((width * Math.min(this.bytes, this.totalBytes)) / this.totalBytes)).padEnd(width, '.')}]` : '';
    const rows = this.rows ? ` ${this.rows.toLocaleString('en-US')} rows (${Math.round(this.rows / s).toLocaleString('en-US')}/s)` : '';
    return `${this.label}${bar}${pct} ${mb.toFixed(1)} MiB (${(mb / s).toFixed(1)} MiB/s)${rows} ${s.toFixed(1)}s`;
  }

  update(force = false): void {
    const now = performance.now();
    const tty = this.stream.isTTY;
    if (!force && now - this.last < (tty ? 100 : 2000)) return;
    this.last = now;
    if (tty) this.stream.write(`\r\x1b[K${this.line()}`);
    else this.stream.write(`${this.line()}\n`);
  }

  done(): void {
    this.update(true);
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
