/**
 * The web console's pages, rendered on the server from the service layer, in-process (it is part of the
 * server; it never shells out or calls itself over gRPC): Overview, Data (batches, DescribeDataset of a
 * tag selection: counts, matrix statistics, the data-aware defaults a Train would choose), Jobs (live
 * list, a Train form, one job's live page with its loss plot), Models (versions with their evaluation
 * next to the popularity baseline, a tuned version's trials table, roll back and delete behind a
 * confirmation page) and Try it (top-k of a source, with entity names).
 *
 * Every value is rendered through html.ts's escaping `html` tag; every mutating action is a POST carrying
 * the per-process CSRF token (checked by server.ts). A page returns a `Reply`; server.ts writes it.
 */
import type { CompiledServerOptions } from '../../config.js';
import { errorMessage, NotFoundError, RecommenderError } from '../../errors.js';
import type { RecommendRequest__Output } from '../../gen/recommender/v1/RecommendRequest.js';
import type { TrainRequest__Output } from '../../gen/recommender/v1/TrainRequest.js';
import type { BatchService } from '../../service/batches.js';
import { entityNames } from '../../service/entity-names.js';
import type { EvaluationSummary } from '../../service/evaluation/metrics.js';
import type { CallbackState, JobScheduler } from '../../service/jobs/job-scheduler.js';
import { isTerminal, type JobRecord } from '../../service/jobs/job-record.js';
import { selectionParams, storedTrainParams } from '../../service/jobs/train-params.js';
import type { TrainingPipeline } from '../../service/jobs/training-pipeline.js';
import type { ModelRegistry } from '../../service/models/model-registry.js';
import type { VersionRow } from '../../service/models/model-repo.js';
import { recommend, type ModelSource } from '../../service/serving/recommender.js';
import type { ScoringPool } from '../../service/serving/scoring-pool.js';
import type { BatchRepo } from '../../service/store/batch-repo.js';
import type { DatasetDescription } from '../../gen/recommender/v1/DatasetDescription.js';
import type { Distribution } from '../../gen/recommender/v1/Distribution.js';
import type { TuningResult } from '../../gen/recommender/v1/TuningResult.js';
import type { TuningSummary } from '../../service/tuning/search.js';
import { grpcCodeOf } from '../grpc-status.js';
import { datasetDescriptionMessage } from '../handlers/describe-dataset.js';
import { tuningMessage } from '../handlers/get-model.js';
import { grpcCodeName } from '../grpc-metrics.js';
import { evaluationBarsSvg, lossPlotSvg } from './charts.js';
import { facts, html, page, postForm, query, raw, table, url, type Html, type PageOptions } from './html.js';

export interface ConsoleDeps {
  options: CompiledServerOptions;
  jobs: JobScheduler;
  models: ModelRegistry;
  batches: BatchService;
  batchRepo: BatchRepo;
  pipeline: TrainingPipeline;
  serving: ModelSource;
  scoring?: ScoringPool;
}

/** What a route answers: a page, JSON, or a redirect (303 after a POST). */
export type Reply =
  | { kind: 'html'; status: number; body: string }
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'svg'; status: number; body: string }
  | { kind: 'redirect'; location: string };

const iso = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'));
const int = (n: number | string | undefined) => (n === undefined ? '-' : Number(n).toLocaleString('en-US'));
const PAGE_ROWS = 50;

/** HTTP status of a domain error (as gRPC's mapping, in HTTP terms). */
function httpStatusOf(err: unknown): number {
  const code = grpcCodeOf(err);
  return ({ 3: 400, 5: 404, 6: 409, 9: 409, 10: 409, 8: 429, 14: 503 } as Record<number, number>)[code] ?? 500;
}

export class Console {
  /** The main fit's iterations of jobs seen (for the loss plot's x axis). */
  private readonly plotTotals = new Map<string, number>();

  constructor(private readonly d: ConsoleDeps, private readonly csrf: string) {}

  private reply(status: number, o: PageOptions): Reply {
    return { kind: 'html', status, body: page(o) };
  }

  /** A page for an error (message escaped), with the status of its domain error. */
  error(err: unknown, section: PageOptions['section'] = 'home'): Reply {
    const status = httpStatusOf(err);
    const field = err instanceof RecommenderError && err.field ? html` <span class="muted">(field ${err.field})</span>` : '';
    return this.reply(status, { title: status === 404 ? 'Not found' : 'Error', section, body: html`<p class="error" role="alert">${errorMessage(err)}${field}</p>
<p class="muted">${grpcCodeName(grpcCodeOf(err))}</p>` });
  }

  // ---------------------------------------------------------------------------------------------
  // Overview

  overview(): Reply {
    const totals = this.d.batchRepo.totals();
    const models = this.d.models.list('', 1000);
    const states = this.d.jobs.countByState();
    const running = this.d.jobs.runningJobs();
    const body = html`<div class="cards">
<section class="card"><h2><a href="/data">Data</a></h2>${facts(totals.length ? totals.map((t) => [`${t.kind}`, `${int(t.batches)} batches, ${int(t.rows)} rows`]) : [['batches', 'none yet']])}</section>
<section class="card"><h2><a href="/jobs">Jobs</a></h2>${facts(states.length ? states.map((s) => [s.state.toLowerCase(), int(s.count)]) : [['jobs', 'none yet']])}
${running.length ? html`<p>Running: ${running.map((j) => html`<a href="${url`/jobs/${j.jobId}`}">${j.modelId}</a> `)}</p>` : ''}</section>
<section class="card"><h2><a href="/models">Models</a></h2>${facts([['models', int(models.length)], ['serving', int(models.filter((m) => m.version !== undefined).length)]])}</section>
<section class="card"><h2><a href="/try">Try it</a></h2><p>Top-k recommendations of a source, with entity names.</p></section>
</div>`;
    return this.reply(200, { title: 'Overview', section: 'home', body });
  }

  // ---------------------------------------------------------------------------------------------
  // Data

  async data(q: URLSearchParams): Promise<Reply> {
    const tagsText = q.get('tags') ?? '';
    const tags = tagsText.split(',').map((t) => t.trim()).filter(Boolean);
    const match = q.get('match') === 'any' ? 'any' : 'all';
    let listing: Html;
    let description: Html = html``;
    try {
      const pageOf = this.d.batches.list({ tags, tagMatch: match }, PAGE_ROWS, q.get('page') ?? undefined);
      const rows = pageOf.batches.map((b) => {
        const interactions = b.kind === 'INTERACTIONS';
        return html`<tr><td><code>${b.batchId}</code></td><td>${b.kind.toLowerCase()}</td><td>${b.tags.length ? b.tags.map((t) => html`<span class="tag">${t}</span> `) : '-'}</td>
<td class="num">${int(interactions ? b.interactionCount : b.entityCount)}</td><td class="num">${interactions ? int(b.distinctSourceCount) : '-'}</td>
<td class="num">${interactions ? int(b.distinctTargetCount) : '-'}</td><td>${interactions ? `${iso(b.minInteractionMs)} .. ${iso(b.maxInteractionMs)}` : '-'}</td>
<td class="num">${int(b.bytes)}</td><td>${iso(b.createdMs)}</td></tr>`;
      });
      listing = html`<p>${int(pageOf.totalSize)} batch${pageOf.totalSize === 1 ? '' : 'es'}${tags.length ? html` carrying ${match === 'all' ? 'all' : 'any'} of ${tags.map((t) => html`<span class="tag">${t}</span> `)}` : ''}.</p>
${table('Batches', ['Batch', 'Kind', 'Tags', 'Rows', 'Sources', 'Targets', 'Interaction time range', 'Bytes', 'Created'], rows)}
${pageOf.nextPageToken ? html`<p><a href="${`/data${query({ tags: tagsText, match, page: pageOf.nextPageToken })}`}">Next page</a></p>` : ''}`;
      if (q.get('describe')) {
        const sel = selectionParams({ data_tags: tags, tag_match: match === 'any' ? 'TAG_MATCH_ANY' : 'TAG_MATCH_ALL' }, Date.now());
        description = describedHtml(datasetDescriptionMessage(await this.d.pipeline.describe(sel, this.d.options)));
      }
    } catch (err) {
      if (!(err instanceof RecommenderError)) throw err;
      listing = html`<p class="error" role="alert">${errorMessage(err)}</p>`;
    }
    const form = html`<form method="get" action="/data" class="inline">
<label>Tags (comma separated) <input name="tags" value="${tagsText}" autocomplete="off"></label>
<label>Match <select name="match"><option value="all"${match === 'all' ? raw(' selected') : ''}>all tags</option><option value="any"${match === 'any' ? raw(' selected') : ''}>any tag</option></select></label>
<button type="submit">List batches</button> <button type="submit" name="describe" value="1">Describe dataset</button></form>`;
    return this.reply(200, { title: 'Data', section: 'data', body: html`${form}${description}${listing}` });
  }

  // ---------------------------------------------------------------------------------------------
  // Jobs

  /** The display fields of a job (server render and live updates use the same ones). */
  jobFields(job: JobRecord, cb: CallbackState | undefined): Record<string, string> {
    const d = job.data;
    const callback = !job.callbackUrl ? 'none'
      : !cb ? 'pending (not attempted yet)'
        : `${cb.state} after ${cb.attempts} attempt${cb.attempts === 1 ? '' : 's'}${cb.lastHttpStatus ? `, last HTTP ${cb.lastHttpStatus}` : ''}${cb.lastError ? `: ${cb.lastError}` : ''}${cb.state === 'pending' && cb.nextAttemptMs ? `; next attempt ${iso(cb.nextAttemptMs)}` : ''}`;
    const ev = job.evaluation;
    return {
      status: job.status,
      progress: `${job.progress.toFixed(1)} %`,
      iteration: `${job.iteration} / ${job.totalIterations}`,
      loss: job.loss === undefined ? '-' : job.loss.toPrecision(6),
      eta: job.status !== 'RUNNING' || job.etaSeconds === undefined || job.lossCurve.length === 0 ? '-' : formatSeconds(job.etaSeconds),
      backend: job.backend ? `${job.backend} (${job.device})` : '-',
      created: iso(job.createMs), started: iso(job.startMs), ended: iso(job.endMs),
      data: d ? `${int(d.interactions)} interactions, ${int(d.pairs)} pairs, ${int(d.sources)} sources, ${int(d.targets)} targets, ${int(d.entities)} entities; dropped ${int(d.droppedByAge)} by age, ${int(d.droppedByFilter)} by filters` : '-',
      callback: job.callbackUrl ? `${job.callbackUrl}: ${callback}` : callback,
      version: job.version ? `${job.version}${job.promoted ? ' (serving when it completed)' : ' (not serving)'}` : '-',
      promotion: job.promotion || '-',
      evaluation: ev ? `at k = ${ev.k}: ndcg ${ev.model.ndcg_at_k.toFixed(4)} (baseline ${ev.baseline.ndcg_at_k.toFixed(4)}), precision ${ev.model.precision_at_k.toFixed(4)} (baseline ${ev.baseline.precision_at_k.toFixed(4)})` : '-',
      error: job.error || '-',
    };
  }

  /** The live state of a job, as the job page's script receives it (GET /jobs/:id/state and the SSE stream). */
  jobState(job: JobRecord): { fields: Record<string, string>; progress: number; points: number; terminal: boolean } {
    return { fields: this.jobFields(job, this.d.jobs.callbackState(job.jobId)), progress: job.progress, points: job.lossCurve.length, terminal: isTerminal(job.status) };
  }

  /** The loss plot of a job (GET /jobs/:id/plot, and inside the job page). */
  plot(job: JobRecord): string {
    let total = this.plotTotals.get(job.jobId);
    if (total === undefined) {
      // The loss plotted is the main fit's: its iterations (a tuning job's are the chosen settings', at most the final total).
      try { total = storedTrainParams(job.requestJson, this.d.options).als.iterations; } catch { total = job.totalIterations; }
      if (this.plotTotals.size > 1000) this.plotTotals.clear();
      this.plotTotals.set(job.jobId, total);
    }
    return lossPlotSvg(job.lossCurve, Math.max(1, Math.round(total))).value;
  }

  /** The rows of the recent jobs (the Jobs page, and GET /jobs/rows that its script polls). */
  private jobRows(): Html[] {
    return this.d.jobs.recent(PAGE_ROWS).map((job) => {
      const f = this.jobFields(job, undefined);
      return html`<tr data-job-id="${job.jobId}"><td><a href="${url`/jobs/${job.jobId}`}"><code>${job.jobId}</code></a></td><td>${job.modelId}</td><td>${f.status}</td>
<td><progress max="100" value="${job.progress.toFixed(1)}" aria-label="progress">${f.progress}</progress> ${f.progress}</td><td>${f.iteration}</td><td>${f.loss}</td><td>${f.eta}</td><td>${f.created}</td></tr>`;
    });
  }

  /** GET /jobs/rows: the recent jobs' rows as a table fragment (the Jobs page replaces its rows with them). */
  jobRowsFragment(): Reply {
    return { kind: 'html', status: 200, body: html`<table><tbody>${this.jobRows()}</tbody></table>`.value };
  }

  jobsPage(form: { error?: string; values?: URLSearchParams } = {}): Reply {
    const v = form.values ?? new URLSearchParams();
    const rows = this.jobRows();
    const train = html`<section aria-labelledby="train-h"><h2 id="train-h">Train a model</h2>
${form.error ? html`<p class="error" role="alert">${form.error}</p>` : ''}
${postForm('/jobs', this.csrf, 'Start training', html`
<label>Model id <input name="model_id" required value="${v.get('model_id') ?? ''}" autocomplete="off" pattern="[A-Za-z0-9][A-Za-z0-9._\\-]{0,127}"></label>
<label>Data tags (comma separated; empty = all) <input name="tags" value="${v.get('tags') ?? ''}" autocomplete="off"></label>
<label>Factors <input name="factors" type="number" min="1" max="1024" value="${v.get('factors') ?? ''}" placeholder="64"></label>
<label>Iterations <input name="iterations" type="number" min="1" value="${v.get('iterations') ?? ''}" placeholder="15"></label>
<label>Evaluation holdout fraction <input name="holdout" type="number" step="any" min="0" max="0.9" value="${v.get('holdout') ?? ''}" placeholder="none, e.g. 0.2"></label>
<label class="check"><input type="checkbox" name="promote_if_better" value="1"${v.get('promote_if_better') ? raw(' checked') : ''}> Serve only if not worse than the serving version (needs a holdout)</label>
<label>Tolerance <input name="promote_tolerance" type="number" step="any" min="0" value="${v.get('promote_tolerance') ?? ''}" placeholder="0"></label>
`, 'stack')}</section>`;
    const body = html`${train}<section aria-labelledby="jobs-h"><h2 id="jobs-h">Recent jobs</h2>
${table('Jobs', ['Job', 'Model', 'Status', 'Progress', 'Iteration', 'Loss', 'ETA', 'Created'], rows, { tbodyData: 'jobs' })}</section>`;
    return this.reply(form.error ? 400 : 200, { title: 'Jobs', section: 'jobs', body });
  }

  /** POST /jobs: starts a training from the form; on a bad request the form again with the message. */
  startTraining(f: URLSearchParams): Reply {
    const n = (k: string) => (f.get(k) ? Number(f.get(k)) : undefined);
    const holdout = n('holdout');
    const req: TrainRequest__Output = {
      model_id: (f.get('model_id') ?? '').trim(), data_tags: (f.get('tags') ?? '').split(',').map((t) => t.trim()).filter(Boolean),
      tag_match: 'TAG_MATCH_ALL', data_filters: null, callback_url: '', request_id: '', tuning: null,
      hyperparameters: { factors: n('factors'), iterations: n('iterations'), type_weights: {}, backend: '', solver: '' },
      evaluation: holdout ? { holdout_fraction: holdout } : null,
      promote: f.get('promote_if_better') ? 'PROMOTE_IF_BETTER' : 'PROMOTE_POLICY_UNSPECIFIED', promote_tolerance: n('promote_tolerance'), promote_metric: '',
    };
    try {
      const job = this.d.jobs.train(req);
      return { kind: 'redirect', location: url`/jobs/${job.jobId}` };
    } catch (err) {
      if (!(err instanceof RecommenderError)) throw err;
      return this.jobsPage({ error: `${errorMessage(err)}${err.field ? ` (field ${err.field})` : ''}`, values: f });
    }
  }

  jobPage(jobId: string, notice?: string | null): Reply {
    const job = this.d.jobs.get(jobId);
    if (!job) return this.error(new NotFoundError(`no job "${jobId}"`, { field: 'job_id' }), 'jobs');
    const f = this.jobFields(job, this.d.jobs.callbackState(job.jobId));
    const field = (name: string) => html`<span data-field="${name}">${f[name]}</span>`;
    const body = html`${noticeOf(notice)}
<p>Model <a href="${url`/models/${job.modelId}`}">${job.modelId}</a> · <span class="status" data-field="status">${f.status}</span></p>
<p><progress max="100" value="${job.progress.toFixed(1)}" data-progress aria-label="progress">${f.progress}</progress> ${field('progress')}</p>
<figure><div data-plot>${raw(this.plot(job))}</div><figcaption>Loss per iteration (the exact objective divided by the sum of confidences)</figcaption></figure>
${facts([['iteration', field('iteration')], ['loss', field('loss')], ['ETA', field('eta')], ['backend', field('backend')], ['created', field('created')],
    ['started', field('started')], ['ended', field('ended')], ['data', field('data')], ['callback', field('callback')], ['version', field('version')],
    ['promotion', field('promotion')], ['evaluation', field('evaluation')], ['error', field('error')]])}
${isTerminal(job.status) ? '' : postForm(url`/jobs/${job.jobId}/cancel`, this.csrf, 'Cancel this job', html``, 'actions')}`;
    return this.reply(200, { title: `Job ${job.jobId}`, section: 'jobs', body, mainData: { 'job-id': job.jobId } });
  }

  cancelJob(jobId: string): Reply {
    try {
      this.d.jobs.cancel({ job_id: jobId });
      return { kind: 'redirect', location: `${url`/jobs/${jobId}`}?notice=cancel-requested` };
    } catch (err) {
      return this.error(err, 'jobs');
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Models

  modelsPage(notice?: string | null): Reply {
    const rows = this.d.models.list('', 1000).map((m) => {
      const latest = this.d.jobs.latestJob(m.modelId);
      return html`<tr><td><a href="${url`/models/${m.modelId}`}">${m.modelId}</a></td><td>${m.version ?? 'none'}</td><td>${m.meta ? m.meta.factors : '-'}</td>
<td class="num">${m.meta ? int(m.meta.data.sources) : '-'}</td><td class="num">${m.meta ? int(m.meta.data.targets) : '-'}</td><td>${iso(m.trainedMs)}</td>
<td>${latest ? html`<a href="${url`/jobs/${latest.jobId}`}">${latest.status}</a>` : '-'}</td></tr>`;
    });
    const body = html`${noticeOf(notice)}${rows.length ? table('Models', ['Model', 'Serving version', 'Factors', 'Sources', 'Targets', 'Trained', 'Latest job'], rows) : html`<p>No model yet: <a href="/jobs">train one</a>.</p>`}`;
    return this.reply(200, { title: 'Models', section: 'models', body });
  }

  modelPage(modelId: string, notice?: string | null): Reply {
    const row = this.d.models.get(modelId);
    if (!row) return this.error(new NotFoundError(`no model "${modelId}"`, { field: 'model_id' }), 'models');
    const versions = this.d.models.versions(modelId);
    const latest = this.d.jobs.latestJob(modelId);
    const cards = versions.map((v) => this.versionCard(v, v.jobId === row.jobId));
    const body = html`${noticeOf(notice)}
${facts([['serving version', row.version === undefined ? 'none' : String(row.version)], ['versions kept', `${versions.length} (the server keeps ${this.d.models.versionsKept} and the serving one)`],
    ['latest job', latest ? html`<a href="${url`/jobs/${latest.jobId}`}">${latest.jobId}</a> ${latest.status}` : '-']])}
<p class="actions"><a class="button danger" href="${url`/models/${modelId}/delete`}">Delete this model…</a></p>
<h2>Versions</h2>${cards.length ? cards : html`<p>No completed version yet.</p>`}`;
    return this.reply(200, { title: `Model ${modelId}`, section: 'models', body });
  }

  private versionCard(v: VersionRow, serving: boolean): Html {
    const m = v.meta;
    const h = m.hyperparameters;
    const ev = m.evaluation as EvaluationSummary | undefined;
    const chart = ev ? evaluationBarsSvg([
      { label: `P@${ev.k}`, model: ev.model.precision_at_k, baseline: ev.baseline.precision_at_k },
      { label: `R@${ev.k}`, model: ev.model.recall_at_k, baseline: ev.baseline.recall_at_k },
      { label: `NDCG@${ev.k}`, model: ev.model.ndcg_at_k, baseline: ev.baseline.ndcg_at_k },
      { label: `MAP@${ev.k}`, model: ev.model.map_at_k, baseline: ev.baseline.map_at_k },
      { label: 'coverage', model: ev.model.catalog_coverage, baseline: ev.baseline.catalog_coverage },
    ], `Version ${v.version} evaluation (holdout ${ev.holdout_fraction})`) : html`<p class="muted">No evaluation (train with a holdout to compare against the popularity baseline).</p>`;
    const hp = facts([['factors', String(h.factors)], ['iterations', String(h.iterations)], ['regularization', String(h.regularization)], ['alpha', String(h.alpha)],
      ['cg steps', String(h.cgSteps)], ['seed', String(h.seed)], ['log scaling', h.logScaling ? `yes (epsilon ${h.logEpsilon})` : 'no'],
      ['type weights', Object.keys(h.typeWeights ?? {}).length ? JSON.stringify(h.typeWeights) : 'none'], ['backend', `${m.backend} (${m.device})`],
      // the data-aware defaults (engine/defaults.ts): what the call left unset, chosen from the data, and why
      ...(m.chosen ?? []).map((c): [string, string] => [`${c.name} (chosen)`, `${c.value}: ${c.reason}`])]);
    return html`<section class="card version${serving ? ' serving' : ''}" data-version="${v.version}" aria-labelledby="${`v${v.version}-h`}">
<h3 id="${`v${v.version}-h`}">Version ${v.version}${serving ? html` <span class="badge">serving</span>` : ''}</h3>
${facts([['job', html`<a href="${url`/jobs/${v.jobId}`}">${v.jobId}</a>`], ['trained', iso(v.trainedMs)], ['data', `${int(m.data.sources)} sources, ${int(m.data.targets)} targets, ${int(m.data.pairs)} pairs`],
    ['train seconds', m.trainSeconds.toFixed(1)], ...(v.promotion ? [['promotion', v.promotion] as [string, string]] : [])])}
${chart}
<details><summary>Hyperparameters</summary>${hp}</details>
${m.tuning ? trialsHtml(v.version, tuningMessage(m.tuning as TuningSummary, h.typeWeights ?? {})) : ''}
${serving ? '' : html`<p class="actions"><a class="button" href="${url`/models/${v.modelId}/rollback`}${query({ version: v.version })}">Roll back to version ${v.version}…</a></p>`}
</section>`;
  }

  rollbackConfirm(modelId: string, versionText: string | null): Reply {
    try {
      const v = this.d.models.version(modelId, Number(versionText));
      const row = this.d.models.get(modelId)!;
      const body = html`<p>Serve version <strong>${v.version}</strong> (job <code>${v.jobId}</code>, trained ${iso(v.trainedMs)}) of model <strong>${modelId}</strong> instead of
${row.version === undefined ? 'nothing' : html`version <strong>${row.version}</strong>`}? Recommend calls switch at once; a training that completes later serves its own version.</p>
${postForm(url`/models/${modelId}/rollback`, this.csrf, `Yes, roll back to version ${v.version}`, html`<input type="hidden" name="version" value="${v.version}">`, 'actions')}
<p><a href="${url`/models/${modelId}`}">Cancel</a></p>`;
      return this.reply(200, { title: `Roll back ${modelId}?`, section: 'models', body });
    } catch (err) {
      return this.error(err, 'models');
    }
  }

  rollback(modelId: string, f: URLSearchParams): Reply {
    try {
      const row = this.d.models.rollback(modelId, Number(f.get('version')));
      return { kind: 'redirect', location: `${url`/models/${modelId}`}${query({ notice: `rolled-back-${row.version}` })}` };
    } catch (err) {
      return this.error(err, 'models');
    }
  }

  deleteConfirm(modelId: string): Reply {
    try {
      const versions = this.d.models.versions(modelId);
      const latest = this.d.jobs.latestJob(modelId);
      const active = latest && !isTerminal(latest.status) ? latest : undefined;
      const body = html`<p>Delete model <strong>${modelId}</strong>: its ${versions.length} version${versions.length === 1 ? '' : 's'} (${versions.map((v) => v.version).join(', ') || 'none'}), their files and catalog rows, and its jobs' rows? Recommend calls for it fail with NOT_FOUND afterwards. This cannot be undone.</p>
${postForm(url`/models/${modelId}/delete`, this.csrf, `Yes, delete ${modelId}`, active
    ? html`<label class="check"><input type="checkbox" name="force" value="1"> Cancel its ${active.status.toLowerCase()} job <code>${active.jobId}</code> (without this the delete is refused)</label>`
    : html``, 'actions danger')}
<p><a href="${url`/models/${modelId}`}">Cancel</a></p>`;
      return this.reply(200, { title: `Delete ${modelId}?`, section: 'models', body });
    } catch (err) {
      return this.error(err, 'models');
    }
  }

  async deleteModel(modelId: string, f: URLSearchParams): Promise<Reply> {
    try {
      await this.d.jobs.deleteModel(modelId, f.get('force') === '1');
      return { kind: 'redirect', location: `/models${query({ notice: 'deleted' })}` };
    } catch (err) {
      return this.error(err, 'models');
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Try it

  async tryPage(q: URLSearchParams): Promise<Reply> {
    const serving = this.d.models.list('', 1000).filter((m) => m.version !== undefined);
    const modelId = q.get('model') ?? serving[0]?.modelId ?? '';
    const sourceId = q.get('source') ?? '';
    const k = Math.min(100, Math.max(1, Number(q.get('k')) || 10));
    let examples: string[] = [];
    let result: Html = html``;
    if (modelId) {
      try {
        const served = await this.d.serving.get(modelId);
        examples = Array.from({ length: Math.min(20, served.sourceCount) }, (_, u) => served.sourceId(u));
        if (sourceId) {
          const req: RecommendRequest__Output = {
            model_id: modelId, source_id: sourceId, source_ids: [], max_recommendations: k, target_type: '', include_target_ids: [],
            exclude_target_ids: [], target_filter: null, strict: false, interactions: [], exact: false,
          };
          const res = await recommend(this.d.serving, req, this.d.scoring);
          const r = res.results![0]!;
          const recs = r.recommendations!.map((x) => ({ rank: x.rank!, target_id: x.target_id!, score: Number(x.score) }));
          const names = await entityNames(this.d.batchRepo, served.model.meta.batchIds, [sourceId, ...recs.map((x) => x.target_id)]);
          const rows = recs.map((x) => html`<tr><td class="num">${x.rank}</td><td><code>${x.target_id}</code></td><td>${names.get(x.target_id) ?? '-'}</td><td class="num">${x.score.toFixed(4)}</td></tr>`);
          result = html`<section aria-labelledby="res-h"><h2 id="res-h">Top ${k} for <code>${sourceId}</code>${names.get(sourceId) ? html` (${names.get(sourceId)})` : ''}</h2>
<p>Strategy <strong data-strategy>${r.strategy}</strong> · model ${res.model_id}, job <a href="${url`/jobs/${res.job_id!}`}">${res.job_id}</a>${r.strategy === 'popularity' ? ' (the source was not in training: most popular targets)' : ''}</p>
${table('Recommendations', ['Rank', 'Target', 'Name', 'Score'], rows)}</section>`;
        }
      } catch (err) {
        if (!(err instanceof RecommenderError)) throw err;
        result = html`<p class="error" role="alert">${errorMessage(err)}</p>`;
      }
    }
    const form = html`<form method="get" action="/try" class="stack">
<label>Model <select name="model">${serving.map((m) => html`<option value="${m.modelId}"${m.modelId === modelId ? raw(' selected') : ''}>${m.modelId} (version ${m.version})</option>`)}</select></label>
<label>Source id <input name="source" value="${sourceId}" list="sources" autocomplete="off" required></label>
<datalist id="sources">${examples.map((s) => html`<option value="${s}"></option>`)}</datalist>
<label>How many <input name="k" type="number" min="1" max="100" value="${k}"></label>
<button type="submit">Recommend</button></form>
${examples.length ? html`<p class="muted">Some sources of this model: ${examples.slice(0, 8).map((s) => html`<a href="${`/try${query({ model: modelId, source: s, k })}`}"><code>${s}</code></a> `)}</p>` : ''}`;
    const body = serving.length === 0 ? html`<p>No model serves yet: <a href="/jobs">train one</a>.</p>` : html`${form}${result}`;
    return this.reply(200, { title: 'Try it', section: 'try', body });
  }
}

/** Three significant digits, as text (integers as they are). */
const sig = (x: number | string | undefined | null) => (x === undefined || x === null ? '-' : Number.isInteger(Number(x)) ? int(x) : String(+Number(x).toPrecision(3)));
/** A message's double (the message types allow a string) to `digits` decimals. */
const fixed = (x: number | string | undefined | null, digits: number) => Number(x ?? 0).toFixed(digits);

/** The Data page's DescribeDataset section: counts, the matrix statistics, what a Train with nothing set would choose. */
function describedHtml(d: DatasetDescription): Html {
  const s = d.statistics;
  const dist = (label: string, q: Distribution | null | undefined) => html`<tr data-distribution="${label}"><th scope="row">${label}</th>${[q?.mean, q?.min, q?.q50, q?.q90, q?.q99, q?.max].map((x) => html`<td class="num">${sig(x)}</td>`)}</tr>`;
  const stats = s ? html`<section aria-labelledby="stats-h"><h3 id="stats-h">Matrix statistics (what the data-aware defaults read)</h3>
${facts([['weight shape', html`<strong data-stat="weight_shape">${s.weight_shape}</strong>`], ['density', html`<span data-stat="density">${Number(s.density ?? 0).toExponential(3)}</span>`],
    ['distinct weights', Number(s.distinct_weights) > 64 ? 'more than 64' : String(s.distinct_weights)], ['integer weights', `${fixed(Number(s.integer_weight_share ?? 0) * 100, 1)} %`],
    ['mean log(1 + w)', sig(s.mean_log_weight)], ['weights read', `${int(s.weight_sample as string)} of ${int(d.pair_count as string)} pairs`]])}
${table('Distributions', ['', 'Mean', 'Min', 'Median', 'q90', 'q99', 'Max'], [dist('weights', s.weights), dist('pairs per source', s.source_lengths), dist('pairs per target', s.target_lengths)])}</section>` : html``;
  const chosen = (d.chosen_defaults ?? []).map((c) => html`<tr data-chosen="${c.name ?? ''}"><td><code>${c.name}</code></td><td>${c.value}</td><td class="text">${c.reason}</td></tr>`);
  const defaults = html`<section aria-labelledby="defaults-h"><h3 id="defaults-h">What a Train with nothing set would choose</h3>
${chosen.length ? table('Data-aware defaults', ['Hyperparameter', 'Value', 'Reason'], chosen) : html`<p>Nothing: no interaction is selected.</p>`}</section>`;
  return html`<section aria-labelledby="describe-h"><h2 id="describe-h">Dataset a Train with this selection would see</h2>
${facts([['interactions', int(d.interaction_count as string)], ['distinct pairs', int(d.pair_count as string)], ['sources', int(d.distinct_source_count as string)], ['targets', int(d.distinct_target_count as string)],
    ['entities', int(d.entity_count as string)], ['dropped by age', int(d.dropped_by_age as string)], ['dropped by filter', int(d.dropped_by_filter as string)], ['batches', int((d.batch_ids ?? []).length)]])}
${stats}${defaults}</section>`;
}

/** A tuned version's trials table (GetModel's Model.tuning), the chosen trial marked. */
function trialsHtml(version: number, t: TuningResult): Html {
  const rows = (t.trials ?? []).map((x) => {
    const h = x.hyperparameters;
    const best = x.trial === t.best_trial;
    return html`<tr data-trial="${x.trial ?? 0}"${best ? raw(' class="chosen" data-chosen-trial') : ''}><td class="num">${x.trial}</td><td>${best ? html`<strong>chosen</strong>` : ''}</td><td>${x.state}</td>
<td class="num">${x.iterations}</td><td class="num">${fixed(x.metric, 4)}</td><td class="num">${fixed(x.seconds, 1)}</td><td class="num">${sig(h?.regularization)}</td><td class="num">${sig(h?.alpha)}</td>
<td>${h?.log_scaling ? `on (epsilon ${sig(h.log_epsilon)})` : 'off'}</td><td class="num">${sig(h?.regularization_exponent)}</td><td class="num">${sig(h?.unobserved_weight)}</td><td class="num">${sig(h?.factors)}</td></tr>`;
  });
  const summary = `${rows.length} trial${rows.length === 1 ? '' : 's'} in ${fixed(t.seconds, 1)} s${t.budget_exhausted ? ' (time budget spent)' : ''}, scored by ${t.metric}@${t.k} on a validation share ${t.validation_fraction} of each source's interactions; `
    + (t.best_trial ? `trial ${t.best_trial} chosen and retrained on the whole selection.` : "no trial beat the job's own settings, which were trained.");
  return html`<section class="tuning" aria-labelledby="${`v${version}-tuning-h`}"><h4 id="${`v${version}-tuning-h`}">Tuning trials</h4><p data-tuning-summary>${summary}</p>
${table(`Version ${version} tuning trials`, ['Trial', '', 'State', 'Iterations', `${t.metric}@${t.k}`, 'Seconds', 'Regularization', 'Alpha', 'Log scaling', 'nu (exponent)', 'alpha0 (unobserved)', 'Factors'], rows)}</section>`;
}

/** The message of a notice code a redirect carries (never the query's own text: nothing is reflected). */
function noticeOf(code: string | null | undefined): Html {
  let text: string | undefined;
  const rolled = /^rolled-back-(\d+)$/.exec(code ?? '');
  if (rolled) text = `Rolled back: version ${rolled[1]} serves now.`;
  else if (code === 'cancel-requested') text = 'Cancel requested: the job stops within one chunk of work.';
  else if (code === 'deleted') text = 'Model deleted.';
  return text ? html`<p class="notice" role="status">${text}</p>` : html``;
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${(s / 3600).toFixed(1)} h`;
}
