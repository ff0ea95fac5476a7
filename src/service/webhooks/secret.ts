import { closeSync, fsyncSync, linkSync, openSync, readFileSync, rmSync, writeSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { DataDir } from '../../data-dir.js';
import { InvalidArgumentError } from '../../errors.js';
import { fsyncDir, tempPathFor } from '../../util/atomic-file.js';
import { SECRET_PREFIX, secretKey } from './signer.js';

/** `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** Checks a secret (or several, space-separated, while rotating: all sign, receivers accept any). */
function check(secret: string, field: string): string {
  try {
    const parts = secret.split(/\s+/).filter(Boolean);
    if (parts.length === 0) throw new RangeError('empty webhook secret');
    for (const p of parts) secretKey(p);
  } catch (err) {
    throw new InvalidArgumentError(`${field}: ${(err as Error).message}`, { field, cause: err });
  }
  return secret;
}

/**
 * The signing secret: the configured one (options.webhookSecret) when given, else the one stored in
 * the data directory (data-dir.ts), else a new one generated and stored there (mode 0600, written to a temp
 * file, fsynced, then hard-linked into place so two processes racing never overwrite each other's
 * secret; the loser reads the winner's). The value is never logged, only where it lives.
 */
export function loadOrCreateWebhookSecret(opts: { dataDir: string; configured?: string; log?: Logger }): string {
  if (opts.configured !== undefined) {
    opts.log?.info({ source: 'config' }, 'webhook signing secret taken from configuration');
    return check(opts.configured, 'webhookSecret');
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const path = new DataDir(opts.dataDir).webhookSecretFile;
  const existing = readIfExists(path);
  if (existing !== undefined) {
    opts.log?.info({ path }, 'webhook signing secret loaded from the data directory');
    return check(existing, path);
  }
  const secret = generateWebhookSecret();
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    const buf = Buffer.from(secret + '\n');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    rmSync(tmp, { force: true });
    opts.log?.info({ path }, 'webhook signing secret loaded from the data directory');
    return check(readIfExists(path) ?? '', path);
  }
  rmSync(tmp, { force: true });
  fsyncDir(opts.dataDir);
  opts.log?.info({ path }, 'generated a webhook signing secret and stored it in the data directory (mode 0600); receivers need it to verify signatures');
  return secret;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
