#!/usr/bin/env node
// The `recommender` command. Runs the compiled CLI (dist/, made by `npm run build`; `npm start` builds it
// when it is missing or stale). In a checkout whose sources are newer than dist/ (or never built), it runs
// the TypeScript sources through tsx instead, so a command never runs code older than its sources.
import { buildState } from '../scripts/build-state.mjs';

if (buildState().state === 'current') {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
