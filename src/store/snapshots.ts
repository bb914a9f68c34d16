import path from 'node:path';
import { READABLE_SCHEMA_VERSIONS, SNAPSHOT_SCHEMA_VERSION, type Snapshot } from '../core/snapshot-schema.js';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip, createGzip, gunzipSync } from 'node:zlib';
import { readRegularFile } from '../util/read-file.js';
import { translateFsError, writeStreamAtomic } from './atomic.js';
import { jsonChunks } from './json-chunks.js';
import { snapshotFileName, type DataLayout } from './layout.js';
import { MAX_DATA_FILE_BYTES, readJsonOrSetAside, type ReadJsonResult } from './read-json.js';

/** Cheap structural check: enough to tell a snapshot from garbage without validating every field. */
export function checkSnapshot(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return 'not a JSON object';
  const v = value as Partial<Snapshot>;
  if (!READABLE_SCHEMA_VERSIONS.includes(v.schemaVersion as number)) return `schemaVersion is ${JSON.stringify(v.schemaVersion)}, expected ${SNAPSHOT_SCHEMA_VERSION}`;
  if (typeof v.id !== 'string' || typeof v.takenAt !== 'string' || !v.projects || typeof v.projects !== 'object') return 'missing id, takenAt or projects';
  return undefined;
}

/**
 * Top-level members of a snapshot that change on every run whatever the state (its id and times), and
 * the members of `sources` that count requests, points and durations: left out of its fingerprint.
 */
const VOLATILE = new Set(['id', 'takenAt', 'startedAt', 'durationMs']);
/**
 * What a snapshot says about the time since the previous one — deployments, new commits, PRs merged
 * since —: empty again on the run after, with nothing else changed. Left out of the fingerprint (a
 * deployment or a new commit changes the state itself: versions, heads).
 */
const SINCE_PREVIOUS = new Set(['newCommits', 'newUnknown', 'mergedPullRequests']);
const VOLATILE_SOURCE = new Set(['durationMs', 'requests', 'points', 'rateLimit', 'waits', 'fetched', 'unchanged', 'rebuilt', 'lookups', 'deepened', 'counted', 'resourceVersion', 'pages', 'restarts']);

/** `sources` without what counts requests and time: what the fingerprint takes of it. */
function stableSources(sources: Snapshot['sources']): unknown {
  return JSON.parse(JSON.stringify(sources, (key, value) => (VOLATILE_SOURCE.has(key) ? undefined : value)));
}

export interface WrittenSnapshot {
  /** The snapshot file (path), or when `unchanged` the previous one's. */
  file: string;
  /** Size of latest.json (bytes, uncompressed); when `unchanged`, 0. */
  bytes: number;
  /** Size of the snapshot file (bytes, compressed). */
  storedBytes: number;
  /** SHA-256 (hex) of the snapshot without its id, times and request counts: equal fingerprints, equal state. */
  fingerprint: string;
  /** Set when the state equals the previous snapshot's (`previousFingerprint`): nothing was written. */
  unchanged?: boolean;
}

/**
 * Writes the snapshot: serialised member by member into pieces of about 1 MB (a large organisation's
 * snapshot never exists as one string), gzip-compressed into `snapshots/<time>.json.gz` (zcat reads it),
 * then `latest.json` as plain JSON; each atomically. While serialising it computes the snapshot's
 * fingerprint — everything but its id, times, the request counts of its sources and what is new since
 * the previous snapshot (deployments, new commits, merged PRs) —; when that equals
 * `previousFingerprint` (nothing but timestamps changed) nothing is compressed or written and
 * `unchanged` is set.
 * When latest.json cannot be written the snapshot file is removed again before the error (WRITE_FAILED
 * naming latest.json) is thrown: a failed run leaves no snapshot that latest.json and the run log do
 * not know.
 */
export async function writeSnapshot(layout: DataLayout, snapshot: Snapshot, previousFingerprint?: string, previousFile?: string): Promise<WrittenSnapshot> {
  // Serialised once, member by member, into pieces of about 1 MB (kept for the file), hashing as it goes;
  // compressed only when the state changed: a run with nothing new spends no time in zlib.
  const hash = createHash('sha256');
  const pieces: string[] = [];
  let pending: string[] = [];
  let pendingLength = 0;
  const cut = () => {
    if (!pending.length) return;
    pieces.push(pending.join(''));
    pending = [];
    pendingLength = 0;
  };
  const put = (chunk: string, stable: boolean) => {
    pending.push(chunk);
    pendingLength += chunk.length;
    if (stable) hash.update(chunk);
    if (pendingLength >= 1 << 20) cut();
  };
  put('{', true);
  let first = true;
  for (const [key, member] of Object.entries(snapshot)) {
    if (member === undefined) continue;
    const head = `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    const stable = !VOLATILE.has(key) && key !== 'deployments';
    put(head, stable);
    // Members hashed in part: the sources without request counts, the repositories without what is new since the previous snapshot.
    if (key === 'sources') hash.update(JSON.stringify(stableSources(member as Snapshot['sources'])));
    if (key === 'repositories') hash.update(JSON.stringify(member, (k, v) => (SINCE_PREVIOUS.has(k) ? undefined : v)));
    const whole = stable && key !== 'sources' && key !== 'repositories';
    for (const chunk of jsonChunks(member, 3)) put(chunk, whole);
  }
  put('}\n', true);
  cut();
  const fingerprint = hash.digest('hex');
  if (previousFingerprint === fingerprint && previousFile) return { file: previousFile, bytes: 0, storedBytes: 0, fingerprint, unchanged: true };
  const gzip = createGzip({ level: 6 });
  const compressed: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => compressed.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    gzip.on('end', resolve);
    gzip.on('error', reject);
  });
  for (let i = 0; i < pieces.length; i++) {
    if (!gzip.write(pieces[i])) await once(gzip, 'drain');
    pieces[i] = '';
  }
  gzip.end();
  await done;
  const file = path.join(layout.snapshotsDir, snapshotFileName(snapshot.takenAt));
  const bytes = Buffer.concat(compressed);
  // The own temp-file kind (`.<name>.<pid>.<hex>.tmp`): the next run removes one a kill -9 left.
  await writeStreamAtomic(file, Readable.from([bytes]));
  try {
    await writeStreamAtomic(layout.latest, Readable.from([bytes]).pipe(createGunzip()));
  } catch (error) {
    await rm(file, { force: true });
    throw translateFsError(error, layout.latest);
  }
  return { file, bytes: (await stat(layout.latest)).size, storedBytes: bytes.length, fingerprint };
}

/**
 * Reads one snapshot file — gzip-compressed (`.json.gz`, told by its first bytes) or plain JSON — and
 * parses it. Only a regular file of at most MAX_DATA_FILE_BYTES is read, and it may not decompress to
 * more than that. Throws what readRegularFile throws, a zlib error for a damaged file, or a SyntaxError.
 */
export async function readSnapshotFile(file: string): Promise<unknown> {
  const { readFile, stat: statFile } = await import('node:fs/promises');
  const stats = await statFile(file);
  if (stats.isDirectory() || !stats.isFile()) return JSON.parse(await readRegularFile(file, MAX_DATA_FILE_BYTES));
  if (stats.size > MAX_DATA_FILE_BYTES) await readRegularFile(file, MAX_DATA_FILE_BYTES);
  const bytes = await readFile(file);
  const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes, { maxOutputLength: MAX_DATA_FILE_BYTES }).toString('utf8') : bytes.toString('utf8');
  return JSON.parse(text);
}

export async function readLatest(layout: DataLayout): Promise<ReadJsonResult<Snapshot>> {
  return readJsonOrSetAside<Snapshot>(layout.latest, layout.corruptDir, checkSnapshot);
}
