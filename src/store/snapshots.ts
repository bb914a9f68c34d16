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
import { applyDelta, deltaText, isDelta, leafKey, serializeSnapshot, type Leaf, type LeafVisit } from './snapshot-leaves.js';
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
  /** SHA-256 (hex) of the snapshot without its id, times, request counts and what is new since the previous one: equal fingerprints, equal state. */
  fingerprint: string;
  /** Set when the state equals the previous snapshot's (`previousFingerprint`): nothing was written. */
  unchanged?: boolean;
  /** For a delta: the keyframe file (name) it is made against. */
  base?: string;
  /** For a keyframe: its leaves' hashes, by leaf key (what the next runs make deltas against). */
  leaves?: Map<string, string>;
}

/** The keyframe the next snapshot may be stored as a delta of: its file name, time, JSON size and leaf hashes. */
export interface Keyframe {
  file: string;
  takenAt: string;
  bytes: number;
  hashes: ReadonlyMap<string, string>;
}

/**
 * When a snapshot is stored whole (a keyframe) rather than as a delta: when its changed leaves would
 * take more than DELTA_MAX_SHARE of its size, or its keyframe is older than KEYFRAME_MAX_AGE_MS. Every
 * snapshot is then read from at most two files, and a day's deltas never outgrow their keyframe.
 */
export const DELTA_MAX_SHARE = 0.25;
export const KEYFRAME_MAX_AGE_MS = 24 * 3_600_000;

/** The fingerprint's share of one leaf: none for the volatile members, request counts and what is new since the previous snapshot. */
function fingerprintLeaf(hash: ReturnType<typeof createHash>, leaf: LeafVisit): void {
  const [member] = leaf.path;
  if (VOLATILE.has(member) || member === 'deployments') return;
  hash.update(leafKey(leaf.path));
  if (member === 'sources') hash.update(JSON.stringify(stableSources(leaf.value as Snapshot['sources'])));
  else if (member === 'repositories') hash.update(JSON.stringify(leaf.value, (k, v) => (SINCE_PREVIOUS.has(k) ? undefined : v)));
  else hash.update(leaf.hash);
}

/** A snapshot's fingerprint, as writeSnapshot computes it (for an index rebuilt from the files). */
export function fingerprintSnapshot(snapshot: Snapshot): string {
  const hash = createHash('sha256');
  serializeSnapshot(snapshot, (leaf) => fingerprintLeaf(hash, leaf), 1 << 20, false);
  return hash.digest('hex');
}

/** The most changed-leaf JSON (characters) gathered for a delta: past it, the snapshot is a keyframe anyway. */
const DELTA_GATHER_MAX = 32 * 1048576;

/** Compresses text given in chunks, gathered into pieces of about 1 MB for zlib (one write per small chunk costs more than compressing). */
async function gzip(chunks: Iterable<string>): Promise<Buffer> {
  const zip = createGzip({ level: 6 });
  const compressed: Buffer[] = [];
  zip.on('data', (chunk: Buffer) => compressed.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    zip.on('end', resolve);
    zip.on('error', reject);
  });
  let pending: string[] = [];
  let size = 0;
  const flush = async () => {
    const piece = pending.join('');
    pending = [];
    size = 0;
    if (!zip.write(piece)) await once(zip, 'drain');
  };
  for (const chunk of chunks) {
    pending.push(chunk);
    size += chunk.length;
    if (size >= 1 << 20) await flush();
  }
  if (pending.length) await flush();
  zip.end();
  await done;
  return Buffer.concat(compressed);
}

/**
 * Writes the snapshot. It is serialised once, into its leaves (snapshot-leaves.ts) and pieces of about
 * 1 MB (a large organisation's snapshot never exists as one string), and fingerprinted: everything but
 * its id, times, the request counts of its sources and what is new since the previous snapshot
 * (deployments, new commits, merged PRs). When the fingerprint equals `previousFingerprint`, nothing but
 * timestamps changed: nothing is compressed or written, and `unchanged` is set. Otherwise the snapshot
 * file `snapshots/<time>.json.gz` (gzip; zcat reads it) holds either the whole snapshot (a keyframe) or,
 * when `keyframe` is given and the snapshot differs from it in less than DELTA_MAX_SHARE of its size and
 * it is younger than KEYFRAME_MAX_AGE_MS, a delta against it; then `latest.json` is written whole, as
 * plain JSON; each atomically. When latest.json cannot be written the snapshot file is removed again
 * before the error (WRITE_FAILED naming latest.json) is thrown: a failed run leaves no snapshot that
 * latest.json and the run log do not know.
 */
export async function writeSnapshot(layout: DataLayout, snapshot: Snapshot, options: { previousFingerprint?: string; previousFile?: string; keyframe?: Keyframe } = {}): Promise<WrittenSnapshot> {
  const kf = options.keyframe && Date.parse(snapshot.takenAt) - Date.parse(options.keyframe.takenAt) < KEYFRAME_MAX_AGE_MS ? options.keyframe : undefined;
  const fingerprintHash = createHash('sha256');
  const hashes = new Map<string, string>();
  // The leaves that differ from the keyframe, kept for a delta (only while a delta is still possible).
  let changed: Leaf[] | undefined = kf ? [] : undefined;
  let changedSize = 0;
  // A first pass only hashes (the document is not kept: a large organisation's is tens of MB); the
  // text is made again, streamed, when it is written.
  const { length } = serializeSnapshot(snapshot, (leaf) => {
    const key = leafKey(leaf.path);
    hashes.set(key, leaf.hash);
    fingerprintLeaf(fingerprintHash, leaf);
    if (!changed || kf!.hashes.get(key) === leaf.hash) return;
    const json = leaf.json();
    changedSize += json.length;
    if (changedSize > DELTA_GATHER_MAX) changed = undefined;
    else changed.push({ path: leaf.path, json });
  }, 1 << 20, false);
  const fingerprint = fingerprintHash.digest('hex');
  if (options.previousFingerprint === fingerprint && options.previousFile) return { file: options.previousFile, bytes: 0, storedBytes: 0, fingerprint, unchanged: true };
  let delta: string | undefined;
  if (kf && changed && changedSize <= DELTA_MAX_SHARE * length) {
    const deleted = [...kf.hashes.keys()].filter((k) => !hashes.has(k)).map((k) => JSON.parse(k) as string[]);
    delta = deltaText(kf.file, changed, deleted);
  }
  changed = undefined;
  const file = path.join(layout.snapshotsDir, snapshotFileName(snapshot.takenAt));
  // A keyframe: the document streamed through zlib (and latest.json written back from the result); a
  // delta: its small text compressed, and latest.json streamed from the document.
  const text = () => (function* () {
    yield* jsonChunks(snapshot, 4);
    yield '\n';
  })();
  const bytes = await gzip(delta ? [delta] : text());
  // The own temp-file kind (`.<name>.<pid>.<hex>.tmp`): the next run removes one a kill -9 left.
  await writeStreamAtomic(file, Readable.from([bytes]));
  try {
    await writeStreamAtomic(layout.latest, delta ? text() : Readable.from([bytes]).pipe(createGunzip()));
  } catch (error) {
    await rm(file, { force: true });
    throw translateFsError(error, layout.latest);
  }
  return { file, bytes: (await stat(layout.latest)).size, storedBytes: bytes.length, fingerprint, ...(delta ? { base: kf!.file } : { leaves: hashes }) };
}

/**
 * Reads one snapshot file — gzip-compressed (`.json.gz`, told by its first bytes) or plain JSON, a
 * keyframe or a delta (then its keyframe too, from the same folder) — and parses it. Only regular
 * files of at most MAX_DATA_FILE_BYTES are read, and they may not decompress to more than that. Throws
 * what readRegularFile throws, a zlib error for a damaged file, a SyntaxError, or an Error naming a
 * delta's missing keyframe. The result may share objects with `keyframes`' entries: treat it as read-only.
 */
export async function readSnapshotFile(file: string, keyframes?: Map<string, unknown>): Promise<unknown> {
  const cached = keyframes?.get(file);
  if (cached) return cached;
  const value = await readStoredFile(file);
  if (!isDelta(value)) {
    keyframes?.set(file, value);
    return value;
  }
  const base = path.join(path.dirname(file), path.basename(value.base));
  // `keyframes`: parsed keyframes by path, shared by the deltas of one keyframe (applyDelta copies what it changes).
  const keyframe =
    keyframes?.get(base) ??
    (await readStoredFile(base).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`${path.basename(file)} holds only what changed since ${value.base}, which ${error.code === 'ENOENT' ? 'is gone' : `cannot be read (${error.message})`}`);
    }));
  if (!keyframe || typeof keyframe !== 'object' || isDelta(keyframe)) throw new Error(`${file} is a delta of ${value.base}, which is not a whole snapshot`);
  keyframes?.set(base, keyframe);
  return applyDelta(keyframe as Record<string, unknown>, value);
}

/** One stored file, parsed as it is (a keyframe, a delta, or plain JSON). */
async function readStoredFile(file: string): Promise<unknown> {
  const { readFile, stat: statFile } = await import('node:fs/promises');
  const stats = await statFile(file);
  // Anything but a regular file of a sane size is refused by readRegularFile, with the reason.
  if (!stats.isFile() || stats.size > MAX_DATA_FILE_BYTES) await readRegularFile(file, MAX_DATA_FILE_BYTES);
  const bytes = await readFile(file);
  const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes, { maxOutputLength: MAX_DATA_FILE_BYTES }).toString('utf8') : bytes.toString('utf8');
  return JSON.parse(text);
}

/** The keyframe a stored snapshot file is a delta of (its file name), or undefined for a whole snapshot. Reads the file. */
export async function deltaBaseOf(file: string): Promise<string | undefined> {
  const value = await readStoredFile(file).catch(() => undefined);
  return isDelta(value) ? value.base : undefined;
}

export async function readLatest(layout: DataLayout): Promise<ReadJsonResult<Snapshot>> {
  return readJsonOrSetAside<Snapshot>(layout.latest, layout.corruptDir, checkSnapshot);
}
