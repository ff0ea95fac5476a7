/**
 * Server-rendered HTML for the web console, safe by construction: the `html` tag escapes every
 * interpolated value (ids, tags, names and messages are user data) unless it is already `Html` made by
 * this tag (or `raw` for markup we generate, like SVG made of numbers). Arrays are joined. Attribute
 * values must be quoted with double quotes in the template; escaping covers & < > " '.
 */

/** Markup that is safe to embed as is. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string { return this.value; }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Markup we generated ourselves from trusted parts (numbers, constant strings). Never pass user data. */
export function raw(s: string): Html {
  return new Html(s);
}

/** A URL path whose interpolated parts (user data) are percent-encoded: url`/models/${id}`. */
export function url(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += encodeURIComponent(String(values[i])) + strings[i + 1]!;
  return out;
}

/** A query string (`?a=1&b=x`) from a record, leaving out empty values. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export interface PageOptions {
  title: string;
  /** Which nav entry is current. */
  section: 'home' | 'data' | 'jobs' | 'models' | 'try';
  body: Html;
  /** data-* attributes of <main> that the console script acts on (e.g. a live job id). */
  mainData?: Record<string, string>;
}

const NAV: Array<[PageOptions['section'], string, string]> = [
  ['home', '/', 'Overview'], ['data', '/data', 'Data'], ['jobs', '/jobs', 'Jobs'], ['models', '/models', 'Models'], ['try', '/try', 'Try it'],
];

/** The page around a body: nav, skip link, the stylesheet and the script (both served by us). */
export function page(o: PageOptions): string {
  const data = Object.entries(o.mainData ?? {}).map(([k, v]) => html` data-${raw(k.replace(/[^a-z-]/g, ''))}="${v}"`);
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · recommender</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/console.css">
<script src="/static/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><nav aria-label="Console"><span class="brand">recommender</span><ul>${NAV.map(([s, href, label]) =>
    html`<li><a href="${href}"${s === o.section ? raw(' aria-current="page"') : ''}>${label}</a></li>`)}</ul></nav></header>
<main id="main" tabindex="-1"${data}>
<h1>${o.title}</h1>
${o.body}
</main>
</body>
</html>`.value}\n`;
}

/** A table in a keyboard-scrollable region (narrow screens scroll it sideways, not the page). */
export function table(label: string, head: readonly string[], rows: readonly Html[], o: { tbodyData?: string } = {}): Html {
  return html`<div class="scroll" role="region" aria-label="${label}" tabindex="0"><table>
<thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
<tbody${o.tbodyData ? html` data-live="${o.tbodyData}"` : ''}>${rows}</tbody></table></div>`;
}

/** A POST form guarded by the CSRF token, with one submit button. */
export function postForm(action: string, csrf: string, label: string, fields: Html = html``, cls = ''): Html {
  return html`<form method="post" action="${action}"${cls ? html` class="${cls}"` : ''}><input type="hidden" name="csrf" value="${csrf}">${fields}<button type="submit">${label}</button></form>`;
}

/** Definition list of label/value pairs (values already Html or plain text). */
export function facts(items: ReadonlyArray<[string, Value]>): Html {
  return html`<dl class="facts">${items.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}
