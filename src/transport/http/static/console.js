// The web console's script (served by the recommender itself; no framework, nothing from a CDN): live
// updates of the Jobs list and of one job's page. It never builds markup from data: text goes in with
// textContent, and the table rows and the loss plot come rendered (and escaped) by the server, parsed here
// with DOMParser. Everything works without it too, a reload at a time.
'use strict';
(function () {
  const main = document.getElementById('main');
  if (!main) return;
  const parse = (text, type) => new DOMParser().parseFromString(text, type);
  const get = (path) => fetch(path, { credentials: 'same-origin', cache: 'no-store' });

  // Jobs list: the rows again every 2 s.
  const rows = document.querySelector('tbody[data-live="jobs"]');
  if (rows) {
    setInterval(async () => {
      try {
        const r = await get('/jobs/rows');
        if (!r.ok) return;
        const fresh = parse(await r.text(), 'text/html').querySelector('tbody');
        if (fresh) rows.replaceChildren(...Array.from(fresh.children, (n) => document.importNode(n, true)));
      } catch (_) { /* the next tick tries again */ }
    }, 2000);
  }

  // One job: its state by server-sent events; the plot is fetched again when a point was added.
  const jobId = main.dataset.jobId;
  if (!jobId || !('EventSource' in window)) return;
  const base = '/jobs/' + encodeURIComponent(jobId);
  const plot = main.querySelector('[data-plot]');
  const progress = main.querySelector('progress[data-progress]');
  let points = plot && plot.querySelector('svg') ? Number(plot.querySelector('svg').getAttribute('data-points')) : -1;
  let drawing = false;
  let again = false;
  const redraw = async () => {
    if (drawing) { again = true; return; }
    drawing = true;
    try {
      const r = await get(base + '/plot');
      if (r.ok) {
        const svg = parse(await r.text(), 'image/svg+xml').documentElement;
        if (svg && svg.nodeName === 'svg') plot.replaceChildren(document.importNode(svg, true));
      }
    } catch (_) { /* the next state redraws */ } finally {
      drawing = false;
      if (again) { again = false; void redraw(); }
    }
  };
  const apply = (s) => {
    for (const [key, value] of Object.entries(s.fields)) {
      for (const el of main.querySelectorAll('[data-field="' + CSS.escape(key) + '"]')) el.textContent = value;
    }
    if (progress) { progress.value = s.progress; progress.textContent = s.fields.progress; }
    if (plot && s.points !== points) { points = s.points; void redraw(); }
    if (s.terminal) {
      const cancel = main.querySelector('form[action$="/cancel"]');
      if (cancel) cancel.remove();
    }
  };
  const events = new EventSource(base + '/events');
  events.addEventListener('state', (e) => apply(JSON.parse(e.data)));
  events.addEventListener('end', () => events.close());
})();
