import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetDescription__Output } from '../src/gen/recommender/v1/DatasetDescription.js';
import type { HyperparameterChoice__Output } from '../src/gen/recommender/v1/HyperparameterChoice.js';
import type { Model__Output } from '../src/gen/recommender/v1/Model.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import { REPO_ROOT, runCli } from './helpers/cli.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { waitTerminal } from './helpers/jobs.js';

/**
 * The web console in a real browser (playwright-core driving Debian's chromium) against a real server
 * with real data: MovieLens latest-small ratings and movie titles imported through the CLI, a training and
 * a second one started from the console's form, the job page's live loss plot, a rollback and a delete
 * through their confirmation pages, the Data page's matrix statistics and data-aware defaults, a tuned
 * version's trials table, Try it with entity names; every page at 375 px wide and by keyboard;
 * user data that looks like markup stays text. Screenshots go to test/out/console/.
 */
const ML = join(REPO_ROOT, '..', 'shared', 'data', 'ml-latest-small');
const present = existsSync(join(ML, 'ratings.csv')) && existsSync(join(ML, 'movies.csv'));
if (!present && process.env.CI === 'true') throw new Error(`MovieLens data missing at ${ML} (required in CI)`);
const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM) && process.env.CI === 'true') throw new Error(`${CHROMIUM} missing (.ci/run installs Debian's chromium)`);
const OUT = join(REPO_ROOT, 'test', 'out', 'console');
const XSS_NAME = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
const XSS_TAG = '<img src=x onerror=window.__xss=3>';

let srv: TestServer;
let base = '';
let ctx: BrowserContext;
let profile = '';
const problems: string[] = [];
const foreign: string[] = [];

async function open(path: string): Promise<Page> {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror on ${path}: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error on ${path}: ${m.text()}`); });
  page.on('dialog', (d) => { problems.push(`dialog on ${path}: ${d.message()}`); void d.dismiss(); });
  page.on('request', (r) => { if (!r.url().startsWith(base)) foreign.push(r.url()); });
  await page.goto(`${base}${path}`);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
}

/** At 375 px the page itself never scrolls sideways (wide tables scroll inside their region). */
async function expectNarrowOk(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 375, height: 800 });
  const { scroll, client } = await page.evaluate<{ scroll: number; client: number }>('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })');
  expect(scroll, `${name} at 375 px`).toBeLessThanOrEqual(client);
  await shot(page, `${name}-375px`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** Fills the Jobs page's Train form and submits it; resolves with the new job's id (its page is open then). */
async function startTraining(page: Page, fields: { factors: string; iterations: string }): Promise<string> {
  await page.fill('input[name="model_id"]', 'movies');
  await page.fill('input[name="tags"]', 'ml');
  await page.fill('input[name="factors"]', fields.factors);
  await page.fill('input[name="iterations"]', fields.iterations);
  await page.fill('input[name="holdout"]', '0.2');
  await Promise.all([page.waitForURL(/\/jobs\/job-/), page.click('button:has-text("Start training")')]);
  return decodeURIComponent(page.url().split('/jobs/')[1]!);
}

const cli = async (args: string[]) => {
  const r = await runCli([...args, '--server', srv.address]);
  expect(r.code, r.stderr).toBe(0);
  return r;
};

beforeAll(async () => {
  if (!present) return;
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  srv = await startTestServer({ httpPort: 'any', backend: 'native-cpu', workers: 2 });
  base = `http://127.0.0.1:${srv.app.http!.port}`;
  await cli(['import', join(ML, 'ratings.csv'), '--tags', 'ml', '--map', 'userId=source_id,movieId=target_id,rating=weight', '--timestamp-unit', 's', '-q']);
  await cli(['import', join(ML, 'movies.csv'), '--kind', 'entities', '--tags', 'ml', '--map', 'movieId=id,title=name,genres=type', '-q']);
  // A later entity batch renames id "1" (user 1 and movie 1) to markup; its tag looks like markup too.
  const xss = join(srv.dataDir, 'xss.csv');
  writeFileSync(xss, `id,name\n1,"${XSS_NAME.replaceAll('"', '""')}"\n`);
  await cli(['import', xss, '--kind', 'entities', '--tags', `ml,${XSS_TAG}`, '-q']);
  profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 180_000);

afterAll(async () => {
  await ctx?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await srv?.dispose();
});

describe.skipIf(!present)('web console', () => {
  let firstJob = '';
  /** What the Data page said a Train with nothing set would choose on the "ml" selection. */
  let dataPageChoices: HyperparameterChoice__Output[] = [];

  it('Overview and Data: batches with tags, counts and time ranges; DescribeDataset of a tag selection; markup in tags stays text', async () => {
    const page = await open('/');
    await expect.poll(() => page.title()).toBe('Overview · recommender');
    expect(await page.locator('nav a').allTextContents()).toEqual(['Overview', 'Data', 'Jobs', 'Models', 'Try it']);
    await shot(page, 'overview');
    await expectNarrowOk(page, 'overview');
    // By keyboard: the skip link first, then the nav; Enter follows "Data".
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    for (let i = 0; i < 2; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Data');
    await Promise.all([page.waitForURL(`${base}/data`), page.keyboard.press('Enter')]);
    const rows = page.locator('table tbody tr');
    expect(await rows.count()).toBe(3);
    const ratings = rows.filter({ hasText: 'interactions' });
    const cells = await ratings.locator('td').allTextContents();
    expect(cells[2]!.trim()).toBe('ml');
    expect(cells[3]).toBe('100,836');
    expect(cells[4]).toBe('610');
    expect(cells[5]).toBe('9,724');
    expect(cells[6]).toBe('1996-03-29 18:36:55Z .. 2018-09-24 14:27:30Z');
    expect(await page.locator('.tag', { hasText: XSS_TAG }).count()).toBe(1); // the tag, as text
    await page.fill('input[name="tags"]', 'ml');
    await Promise.all([page.waitForURL(/describe=1/), page.click('button[name="describe"]')]);
    const described = await page.locator('section[aria-labelledby="describe-h"] dd').allTextContents();
    expect(described.slice(0, 5)).toEqual(['100,836', '100,836', '610', '9,724', '9,742']);
    // The matrix statistics the data-aware defaults read, and what a Train with nothing set would choose: as DescribeDataset says.
    const d = await call<object, DatasetDescription__Output>(srv.client.DescribeDataset.bind(srv.client), { data_tags: ['ml'] });
    expect(d.statistics?.weight_shape).toBe('ratings-like');
    expect(await page.locator('[data-stat="weight_shape"]').textContent()).toBe('ratings-like');
    expect(Number(await page.locator('[data-stat="density"]').textContent())).toBeCloseTo(100_836 / (610 * 9_724), 6);
    // MovieLens ratings 0.5..5, median 3.5; 20 to 2,698 ratings per user
    expect(await page.locator('tr[data-distribution="weights"] td').allTextContents()).toEqual(['3.5', '0.5', '3.5', '5', '5', '5']);
    const perSource = await page.locator('tr[data-distribution="pairs per source"] td').allTextContents();
    expect([perSource[0], perSource[1], perSource[5]]).toEqual(['165', '20', '2,698']);
    const choices = await page.locator('section[aria-labelledby="defaults-h"] tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    expect(choices).toEqual(d.chosen_defaults.map((c) => [c.name, c.value, c.reason]));
    expect(choices.map((c) => c[0])).toEqual(['log_scaling', 'alpha', 'regularization']);
    expect(choices[0]![1]).toBe('false');
    dataPageChoices = d.chosen_defaults;
    await shot(page, 'data');
    await expectNarrowOk(page, 'data');
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    await page.close();
  });

  it('Jobs: a training started from the form; its page streams progress and a loss plot that grows', async () => {
    const page = await open('/jobs');
    firstJob = await startTraining(page, { factors: '24', iterations: '40' });
    // Samples of the live page while it trains: the plot's points, the status, the ETA.
    const samples: Array<{ points: number; status: string; eta: string }> = [];
    const until = Date.now() + 120_000;
    for (;;) {
      const s = await page.evaluate<{ points: number; status: string; eta: string }>(`({
        points: Number(document.querySelector('[data-plot] svg')?.getAttribute('data-points') ?? -1),
        status: document.querySelector('[data-field="status"]')?.textContent ?? '',
        eta: document.querySelector('[data-field="eta"]')?.textContent ?? '',
      })`);
      samples.push(s);
      if (s.status === 'COMPLETED' && s.points === 40) break;
      if (['ERROR', 'CANCELLED'].includes(s.status) || Date.now() > until) throw new Error(`job did not complete: ${JSON.stringify(samples.slice(-3))}`);
      if (samples.length === 8) await shot(page, 'job-training');
      await page.waitForTimeout(50);
    }
    const counts = [...new Set(samples.map((s) => s.points))];
    expect(counts.some((n) => n > 0 && n < 40), `plot sizes seen ${counts.join(',')}`).toBe(true);
    expect(counts).toEqual([...counts].sort((a, b) => a - b)); // it only grows
    expect(samples.some((s) => s.status === 'RUNNING' && s.eta !== '-' && s.points > 0)).toBe(true);
    expect(await page.locator('[data-field="data"]').textContent()).toMatch(/^100,836 interactions, 100,836 pairs, 610 sources, 9,724 targets, 9,742 entities/);
    expect(await page.locator('[data-field="version"]').textContent()).toBe('1 (serving when it completed)');
    expect(await page.locator('[data-plot] polyline').getAttribute('points')).toMatch(/^(\S+,\S+ ){39}\S+,\S+$/);
    // Drawn as SVG (the live redraws parse the server's SVG; it must stay in the SVG namespace), not as text.
    expect(await page.evaluate(`(() => {
      const line = document.querySelector('[data-plot] polyline');
      return line instanceof SVGPolylineElement ? Math.round(line.getBBox().width) : -1;
    })()`)).toBeGreaterThan(300);
    await expect.poll(() => page.locator('form[action$="/cancel"]').count()).toBe(0);
    await shot(page, 'job');
    await expectNarrowOk(page, 'job');
    await page.close();
  }, 180_000);

  it('Jobs list: live, a second training shows up and completes without a reload; callback state on its page', async () => {
    const list = await open('/jobs');
    const form = await open('/jobs');
    const second = await startTraining(form, { factors: '8', iterations: '6' });
    await form.close();
    const row = list.locator(`tr[data-job-id="${second}"]`);
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(async () => row.locator('td').nth(2).textContent(), { timeout: 60_000 }).toBe('COMPLETED');
    expect(await list.locator('tbody tr').count()).toBe(2);
    await shot(list, 'jobs');
    await expectNarrowOk(list, 'jobs');
    await list.close();
    expect((await waitTerminal(srv.client, second)).version).toBe(2);
  }, 180_000);

  it('Models: versions with evaluation bars; a rollback and a delete through their confirmation pages', async () => {
    const page = await open('/models');
    await Promise.all([page.waitForURL(`${base}/models/movies`), page.click('a:has-text("movies")')]);
    const cards = page.locator('section.version');
    expect(await cards.count()).toBe(2);
    expect(await cards.nth(0).locator('h3').textContent()).toBe('Version 2 serving');
    expect(await page.locator('svg.bars').count()).toBe(2);
    expect(await cards.nth(1).locator('svg.bars').getAttribute('aria-label')).toMatch(/^Version 1 evaluation \(holdout 0\.2\): P@10 model 0\.\d{3}, baseline 0\.\d{3}/);
    await cards.nth(1).locator('summary').click();
    expect(await cards.nth(1).locator('details dd').first().textContent()).toBe('24');
    // The form's training set only factors, iterations and a holdout: it chose what the Data page said it would.
    expect((await call<object, Model__Output>(srv.client.GetModel.bind(srv.client), { model_id: 'movies' })).chosen).toEqual(dataPageChoices);
    expect(await cards.nth(1).locator('details dt', { hasText: 'log_scaling (chosen)' }).count()).toBe(1);
    expect(await cards.nth(1).locator('section.tuning').count()).toBe(0); // not tuned: no trials table
    await shot(page, 'model');
    await expectNarrowOk(page, 'model');
    // Roll back: the button leads to a confirmation page; only its POST acts.
    await Promise.all([page.waitForURL(/rollback\?version=1/), page.click('a:has-text("Roll back to version 1")')]);
    expect((await call<object, Model__Output>(srv.client.GetModel.bind(srv.client), { model_id: 'movies' })).version).toBe(2);
    await shot(page, 'rollback-confirm');
    await expectNarrowOk(page, 'rollback-confirm');
    await Promise.all([page.waitForURL(/\/models\/movies\?notice=rolled-back-1/), page.click('button:has-text("Yes, roll back to version 1")')]);
    expect(await page.locator('.notice').textContent()).toBe('Rolled back: version 1 serves now.');
    expect(await page.locator('section.version.serving h3').textContent()).toBe('Version 1 serving');
    const m = await call<object, Model__Output>(srv.client.GetModel.bind(srv.client), { model_id: 'movies' });
    expect([m.version, m.job_id]).toEqual([1, firstJob]);
    await shot(page, 'model-rolled-back');

    // Delete a throwaway model, through its confirmation page.
    const t = await call<object, TrainingStatus__Output>(srv.client.Train.bind(srv.client), { model_id: 'throwaway', data_tags: ['ml'], hyperparameters: { factors: 4, iterations: 1 } });
    await waitTerminal(srv.client, t.job_id);
    await page.goto(`${base}/models/throwaway`);
    await Promise.all([page.waitForURL(/\/models\/throwaway\/delete$/), page.click('a:has-text("Delete this model")')]);
    await shot(page, 'delete-confirm');
    await Promise.all([page.waitForURL(/\/models\?notice=deleted/), page.click('button:has-text("Yes, delete throwaway")')]);
    expect(await page.locator('.notice').textContent()).toBe('Model deleted.');
    expect(await page.locator('table a', { hasText: 'throwaway' }).count()).toBe(0);
    expect(await page.locator('table a', { hasText: 'movies' }).count()).toBe(1);
    await page.close();
  }, 180_000);

  it('Models: a tuned version shows its trials table (GetModel\'s Model.tuning), the chosen trial marked', async () => {
    const t = await call<object, TrainingStatus__Output>(srv.client.Train.bind(srv.client), {
      model_id: 'tuned', data_tags: ['ml'], hyperparameters: { factors: 4, iterations: 2 }, tuning: { max_trials: 3, seed: 5 },
    });
    const done = await waitTerminal(srv.client, t.job_id, 120_000);
    expect(done.status, done.error).toBe('COMPLETED');
    const tuning = (await call<object, Model__Output>(srv.client.GetModel.bind(srv.client), { model_id: 'tuned' })).tuning!;
    expect(tuning.trials.length).toBe(3);
    const page = await open('/models/tuned');
    const card = page.locator('section.version').first();
    const rows = card.locator('section.tuning tbody tr');
    expect(await rows.count()).toBe(3);
    for (const [i, x] of tuning.trials.entries()) {
      const cells = (await rows.nth(i).locator('td').allTextContents()).map((c) => c.trim());
      expect(cells[0]).toBe(String(x.trial));
      expect(cells[1]).toBe(x.trial === tuning.best_trial ? 'chosen' : '');
      expect(cells.slice(2, 5)).toEqual([x.state, String(x.iterations), x.metric.toFixed(4)]);
      // settings to 3 significant digits
      expect(Number(cells[6]!.replaceAll(',', ''))).toBe(+x.hyperparameters!.regularization!.toPrecision(3));
      expect(Number(cells[7]!.replaceAll(',', ''))).toBe(+x.hyperparameters!.alpha!.toPrecision(3));
      expect(cells[8]).toBe(x.hyperparameters!.log_scaling ? `on (epsilon ${x.hyperparameters!.log_epsilon})` : 'off');
      expect(cells[11]).toBe('4');
    }
    expect(await card.locator('section.tuning th', { hasText: `${tuning.metric}@${tuning.k}` }).count()).toBe(1);
    expect(await card.locator('tr[data-chosen-trial]').count()).toBe(tuning.best_trial ? 1 : 0);
    if (tuning.best_trial) expect(await card.locator('tr[data-chosen-trial]').getAttribute('data-trial')).toBe(String(tuning.best_trial));
    expect(await card.locator('[data-tuning-summary]').textContent()).toMatch(/^3 trials in \d+\.\d s/);
    await shot(page, 'model-tuned');
    await expectNarrowOk(page, 'model-tuned');
    await page.close();
  }, 180_000);

  it('Try it: top-k with scores and entity names; a name that is markup stays text', async () => {
    const page = await open('/try');
    await page.selectOption('select[name="model"]', 'movies');
    await page.fill('input[name="source"]', '1');
    await page.fill('input[name="k"]', '10');
    await Promise.all([page.waitForURL(/source=1/), page.click('button:has-text("Recommend")')]);
    const rows = page.locator('section[aria-labelledby="res-h"] tbody tr');
    expect(await rows.count()).toBe(10);
    expect(await page.locator('[data-strategy]').textContent()).toBe('model');
    const cells = await rows.nth(0).locator('td').allTextContents();
    expect(cells[0]).toBe('1');
    expect(cells[2]).toMatch(/\(\d{4}\)$/); // a MovieLens title, e.g. "Matrix, The (1999)"
    expect(Number(cells[3])).toBeGreaterThan(0);
    expect(await page.locator('#res-h').textContent()).toBe(`Top 10 for 1 (${XSS_NAME})`);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(await page.locator('#res-h img, #res-h script').count()).toBe(0);
    await shot(page, 'try');
    await expectNarrowOk(page, 'try');
    await page.close();
  });

  it('mutations need the page\'s CSRF token and our own origin; no request leaves the server; no script error', async () => {
    const page = await open('/models/movies/rollback?version=2');
    const token = await page.inputValue('input[name="csrf"]');
    await page.close();
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${base}/models/movies/rollback`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    expect((await post('version=2')).status).toBe(403);
    expect((await post('version=2&csrf=wrong')).status).toBe(403);
    expect((await post(`version=2&csrf=${token}`, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await call<object, Model__Output>(srv.client.GetModel.bind(srv.client), { model_id: 'movies' })).version).toBe(1);
    const ok = await post(`version=2&csrf=${token}`, { origin: base });
    expect(ok.status).toBe(303);
    expect((await call<object, Model__Output>(srv.client.GetModel.bind(srv.client), { model_id: 'movies' })).version).toBe(2);
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  });
});
