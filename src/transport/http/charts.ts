/**
 * The console's charts as inline SVG drawn here from numbers (no chart library, nothing from a CDN):
 * the loss-per-iteration plot of a job and the evaluation bar chart of a model version (model vs the
 * most-popular baseline). Only numbers and constant labels go into the markup.
 */
import { escapeHtml, raw, type Html } from './html.js';

const num = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '0');

/** Loss after each iteration (a polyline over iterations 1..total), with its range on the y axis. */
export function lossPlotSvg(curve: readonly number[], totalIterations: number): Html {
  const W = 600, H = 240, L = 64, R = 16, T = 16, B = 36;
  const total = Math.max(totalIterations, curve.length, 1);
  const finite = curve.filter(Number.isFinite);
  let lo = finite.length ? Math.min(...finite) : 0, hi = finite.length ? Math.max(...finite) : 1;
  if (hi - lo < 1e-12) { const pad = Math.abs(hi) * 0.05 || 1; lo -= pad; hi += pad; }
  const x = (i: number) => L + (total === 1 ? (W - L - R) / 2 : ((i - 1) / (total - 1)) * (W - L - R));
  const y = (v: number) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  const pts = curve.map((v, j) => `${num(x(j + 1))},${num(y(Number.isFinite(v) ? v : hi))}`).join(' ');
  const last = curve.length ? curve[curve.length - 1]! : undefined;
  const label = curve.length
    ? `Loss per iteration: ${curve.length} of ${total} iterations, last loss ${last!.toPrecision(5)}`
    : `Loss per iteration: no iteration completed yet (of ${total})`;
  const dots = curve.length <= 120 ? curve.map((v, j) => `<circle cx="${num(x(j + 1))}" cy="${num(y(Number.isFinite(v) ? v : hi))}" r="3"/>`).join('') : '';
  return raw(`<svg xmlns="http://www.w3.org/2000/svg" class="plot" viewBox="0 0 ${W} ${H}" role="img" aria-label="${label}" data-points="${curve.length}" data-total="${total}">
<title>${label}</title>
<line class="axis" x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}"/><line class="axis" x1="${L}" y1="${T}" x2="${L}" y2="${H - B}"/>
<text class="tick" x="${L - 6}" y="${T + 4}" text-anchor="end">${hi.toPrecision(4)}</text>
<text class="tick" x="${L - 6}" y="${H - B}" text-anchor="end">${lo.toPrecision(4)}</text>
<text class="tick" x="${L}" y="${H - B + 16}" text-anchor="middle">1</text>
<text class="tick" x="${W - R}" y="${H - B + 16}" text-anchor="middle">${total}</text>
<text class="tick" x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle">iteration</text>
${curve.length ? `<polyline class="line" points="${pts}"/>` : ''}<g class="dots">${dots}</g>
</svg>`);
}

export interface BarGroup { label: string; model: number; baseline: number }

/** Grouped bars: each metric's model value next to the baseline's, values printed above the bars. */
export function evaluationBarsSvg(groups: readonly BarGroup[], caption: string): Html {
  const W = 600, H = 240, L = 16, R = 16, T = 28, B = 40;
  const max = Math.max(1e-9, ...groups.flatMap((g) => [g.model, g.baseline])) * 1.15;
  const gw = (W - L - R) / Math.max(1, groups.length);
  const bw = Math.min(48, gw * 0.36);
  const y = (v: number) => T + (1 - v / max) * (H - T - B);
  const bars = groups.map((g, i) => {
    const cx = L + gw * i + gw / 2;
    const bar = (v: number, x0: number, cls: string) =>
      `<rect class="${cls}" x="${num(x0)}" y="${num(y(v))}" width="${num(bw)}" height="${num(H - B - y(v))}"/>`
      + `<text class="value" x="${num(x0 + bw / 2)}" y="${num(y(v) - 4)}" text-anchor="middle">${v.toFixed(3)}</text>`;
    return bar(g.model, cx - bw - 2, 'model') + bar(g.baseline, cx + 2, 'baseline')
      + `<text class="tick" x="${num(cx)}" y="${H - B + 16}" text-anchor="middle">${escapeHtml(g.label)}</text>`;
  }).join('');
  const label = escapeHtml(`${caption}: ${groups.map((g) => `${g.label} model ${g.model.toFixed(3)}, baseline ${g.baseline.toFixed(3)}`).join('; ')}`);
  return raw(`<svg xmlns="http://www.w3.org/2000/svg" class="bars" viewBox="0 0 ${W} ${H}" role="img" aria-label="${label}">
<title>${label}</title>
<line class="axis" x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}"/>${bars}
<rect class="model" x="${L}" y="4" width="12" height="12"/><text class="tick" x="${L + 16}" y="14">model</text>
<rect class="baseline" x="${L + 80}" y="4" width="12" height="12"/><text class="tick" x="${L + 96}" y="14">popularity baseline</text>
</svg>`);
}
