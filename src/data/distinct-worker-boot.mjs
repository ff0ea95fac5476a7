// Entry of the distinct-count worker thread (distinct-worker.ts). Worker threads do not inherit the main
// thread's tsx loader on Node 20, so this plain-JS entry registers it before importing the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./distinct-worker.ts');
