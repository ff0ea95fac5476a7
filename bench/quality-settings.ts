/**
 * Settings side by side on one dataset of bench/quality.ts (issue 13): each fitted on the tuning search's
 * validation split (the training part less 0.1 of each source, as the tune step carves it) and ranked on
 * its validation pairs, then fitted on the whole training part and ranked on the test sample, as the
 * grid's cells. It shows whether the validation metric a search ranks by agrees with the test split.
 *
 * Usage: npx tsx bench/quality-settings.ts --datasets play-counts --settings '[{"regularization":100,"alpha":10}]'
 *          [--eval-users 1500] [--validation 0.1] [--validation-seed 42] [--max-sources N] [--plain]
 * Each setting is AlsOptions over the data-aware defaults (the first row: the defaults alone), plus
 * "regMean": the regularization as a search draws it (the lambda of a mean row, search-space.ts).
 * --max-sources: the validation's source cap (default: validation-split.ts's); --plain: rank the
 * validation with the plain JS pass instead of the SIMD kernel (the timing column shows the difference).
 */
import { chooseDefaults } from '../src/engine/defaults.js';
import { matrixStats } from '../src/engine/matrix-stats.js';
import { compileAlsOptions, type AlsOptions } from '../src/engine/options.js';
import { trainAls } from '../src/engine/trainer.js';
import { evaluateRanking, splitHoldout } from '../src/service/evaluation/evaluate.js';
import { meanRowScale } from '../src/service/tuning/search-space.js';
import { tuningSplit } from '../src/service/tuning/validation-split.js';
import { sampleTest } from './datasets/sample-test.js';
import { COMMON, QUALITY_DATASETS } from './quality.js';
import { settingsOf } from './quality-tuning.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const name = arg('datasets', 'play-counts');
const make = QUALITY_DATASETS[name];
if (!make) throw new Error(`unknown dataset ${name} (one of ${Object.keys(QUALITY_DATASETS).join(', ')})`);
const m = make();
const { train, test: fullTest } = splitHoldout(m, 0.2, 42);
const test = sampleTest(fullTest, Number(arg('eval-users', '1500')), 42);
const maxSources = arg('max-sources', '') ? Number(arg('max-sources', '')) : undefined;
const v = tuningSplit(train, { validationFraction: Number(arg('validation', '0.1')), seed: Number(arg('validation-seed', '42')), maxSources });
const base = chooseDefaults(matrixStats(m), COMMON).options;
const simd = !process.argv.includes('--plain');
console.log(`## ${name}: validation ${arg('validation', '0.1')} of each source (seed ${arg('validation-seed', '42')}${maxSources ? `, at most ${maxSources} sources` : ''}), ${simd ? 'SIMD' : 'plain'} ranking`);
console.log('| settings | validation NDCG@10 | test NDCG@10 | validation ranking s |\n|---|---|---|---|');
const shape = { rows: train.rows, cols: train.cols, nonzeros: train.indptr[train.rows]! };
for (const s of [{}, ...(JSON.parse(arg('settings', '[]')) as (AlsOptions & { regMean?: number })[])]) {
  const { regMean, ...rest } = s as AlsOptions & { regMean?: number };
  const o = compileAlsOptions({ ...base, ...rest });
  if (regMean !== undefined) o.regularization = regMean / meanRowScale(o, shape);
  const fitted = await trainAls(v.train, o);
  const t0 = performance.now();
  const val = evaluateRanking({ ...fitted, train: v.train, test: v.validation, k: 10, simd }).ndcg_at_k;
  const rankSeconds = (performance.now() - t0) / 1000;
  const te = evaluateRanking({ ...(await trainAls(train, o)), train, test, k: 10 }).ndcg_at_k;
  console.log(`| ${settingsOf(o)}${o.iterations !== COMMON.iterations ? `, ${o.iterations} it` : ''} | ${val.toFixed(4)} | ${te.toFixed(4)} | ${rankSeconds.toFixed(2)} |`);
}
