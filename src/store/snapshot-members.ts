import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import { readRegularFile } from '../util/read-file.js';
import { MAX_DATA_FILE_BYTES } from './read-json.js';
import { applyDelta, isDelta, type SnapshotDelta } from './snapshot-leaves.js';

/**
 * Reading only some top-level members of a stored snapshot (`id`, `takenAt`, `projects`, …) without
 * parsing the rest: the document is decompressed as a stream and scanned for its top-level members,
 * and the stream stops once every wanted member has been seen. snap writes `projects` early (after a
 * few small members), before `repositories`, `tickets` and `drift`, which are most of an L snapshot's
 * 30 MB; a reader that needs only versions and health reads a sixth of it. Any member order works:
 * a wanted member late in the file only means more is scanned.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** Compressed files up to this size (bytes) are decompressed whole. */
const WHOLE_BELOW_BYTES = 2 * 1024 * 1024;

/** What a delta file holds (snapshot-leaves.ts). */
const DELTA_MEMBERS: ReadonlySet<string> = new Set(['snapDelta', 'base', 'set', 'delete']);

/** The byte range [start, end) of each top-level member's value in a JSON object's text (UTF-8). */
export type MemberRanges = Map<string, [number, number]>;

/**
 * An incremental scanner of a JSON object's top-level members: feed it the document's bytes in order
 * (any chunking) and it records where each member's value starts and ends, and for the array members
 * named in `elementsOf`, where each element starts and ends. It checks only the structure it needs
 * (strings, nesting); JSON.parse of each range judges the rest. Strings, most of a snapshot's bytes,
 * are skipped with Buffer.indexOf.
 */
export class MemberScanner {
  readonly ranges: MemberRanges = new Map();
  /** Element ranges of the members named in `elementsOf` that are arrays. */
  readonly elements = new Map<string, [number, number][]>();
  private offset = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** At depth 1: what comes next, a key (after `{` or `,`) or a value (after `:`). */
  private expectKey = false;
  private key: Buffer[] | undefined;
  private currentKey: string | undefined;
  private valueStart = -1;
  /** The element list being filled (inside an array member named in `elementsOf`), and where the element being read began. */
  private elementList: [number, number][] | undefined;
  private elementStart = -1;
  /** Set once the root object has closed. */
  done = false;

  /** `enough`: asked as each member closes; once it says yes, scanning stops (`done`). */
  constructor(
    private readonly elementsOf: ReadonlySet<string> = new Set(),
    private readonly enough?: (ranges: MemberRanges) => boolean,
  ) {}

  feed(chunk: Buffer): void {
    const n = chunk.length;
    let nextBackslash = -2;
    let i = 0;
    while (i < n && !this.done) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          if (this.key) this.key.push(chunk.subarray(i, i + 1));
          i++;
          continue;
        }
        const quote = chunk.indexOf(QUOTE, i);
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = chunk.indexOf(BACKSLASH, i);
        const stop = quote === -1 ? n : quote;
        if (nextBackslash !== -1 && nextBackslash < stop) {
          if (this.key) this.key.push(chunk.subarray(i, nextBackslash + 1));
          this.escaped = true;
          i = nextBackslash + 1;
          continue;
        }
        if (this.key) this.key.push(chunk.subarray(i, stop));
        if (quote === -1) {
          i = n;
          continue;
        }
        this.inString = false;
        if (this.key) {
          this.currentKey = JSON.parse(`"${Buffer.concat(this.key).toString('utf8')}"`) as string;
          this.key = undefined;
        }
        i = quote + 1;
        continue;
      }
      const b = chunk[i];
      const at = this.offset + i;
      i++;
      if (b <= 0x20 || b === COLON) continue;
      if (this.depth === 2 && this.elementList && this.elementStart < 0 && b !== COMMA && b !== CLOSE_ARRAY) this.elementStart = at;
      if (b === QUOTE) {
        this.inString = true;
        if (this.depth === 1 && this.expectKey) {
          this.key = [];
          this.expectKey = false;
        } else if (this.depth === 1 && this.valueStart < 0) this.valueStart = at;
        continue;
      }
      if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
        if (this.depth === 0) this.expectKey = true;
        else if (this.depth === 1 && this.valueStart < 0) {
          this.valueStart = at;
          if (b === OPEN_ARRAY && this.currentKey !== undefined && this.elementsOf.has(this.currentKey)) {
            this.elementList = [];
            this.elements.set(this.currentKey, this.elementList);
            this.elementStart = -1;
          }
        }
        this.depth++;
        continue;
      }
      if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
        if (this.depth === 2 && this.elementList) {
          if (this.elementStart >= 0) this.elementList.push([this.elementStart, at]);
          this.elementList = undefined;
        }
        this.depth--;
        if (this.depth === 0) {
          this.close(at);
          this.done = true;
        }
        continue;
      }
      if (b === COMMA) {
        if (this.depth === 2 && this.elementList) {
          if (this.elementStart >= 0) this.elementList.push([this.elementStart, at]);
          this.elementStart = -1;
        } else if (this.depth === 1) {
          this.close(at);
          this.expectKey = true;
        }
        continue;
      }
      // The first byte of a number, true, false or null at depth 1.
      if (this.depth === 1 && this.valueStart < 0 && this.currentKey !== undefined) this.valueStart = at;
    }
    this.offset += n;
  }

  private close(at: number): void {
    if (this.currentKey !== undefined && this.valueStart >= 0) this.ranges.set(this.currentKey, [this.valueStart, at]);
    this.currentKey = undefined;
    this.valueStart = -1;
    if (this.enough?.(this.ranges)) this.done = true;
  }
}

/**
 * Some top-level members of a stored JSON document (gzip, told by its first bytes, or plain), parsed:
 * member name → value, for those the document has; the array members named in `elements.of` hold
 * only the elements `elements.keep` keeps (given each one's JSON text). Reading stops as soon as every member of one of
 * the `wanted` sets has been seen (a keyframe's or a delta's), or at the end. Throws what reading the
 * file throws (ENOENT, a zlib error for a damaged file) and a SyntaxError for a member that does not
 * parse; refuses files beyond MAX_DATA_FILE_BYTES as readRegularFile does.
 */
export async function readMembers(file: string, wanted: readonly ReadonlySet<string>[], elements?: { of: ReadonlySet<string>; keep: (member: string, text: Buffer) => boolean }): Promise<Record<string, unknown>> {
  const stats = await stat(file);
  if (!stats.isFile() || stats.size > MAX_DATA_FILE_BYTES) await readRegularFile(file, MAX_DATA_FILE_BYTES);
  const stored = await readFile(file);
  const gzipped = stored[0] === 0x1f && stored[1] === 0x8b;
  const enough = (ranges: MemberRanges) => wanted.some((set) => [...set].every((m) => ranges.has(m)));
  // A large compressed file is decompressed from its start only as far as needed: a quarter of it first
  // (a truncated stream decompresses up to where it stops), twice as much while a wanted member is
  // missing. A small one (a delta) whole.
  let take = gzipped && stored.length > WHOLE_BELOW_BYTES ? Math.ceil(stored.length / 4) : stored.length;
  let bytes: Buffer;
  let scanner: MemberScanner;
  for (;;) {
    const whole = take >= stored.length;
    bytes = gzipped ? gunzipSync(stored.subarray(0, take), { maxOutputLength: MAX_DATA_FILE_BYTES, ...(whole ? {} : { finishFlush: constants.Z_SYNC_FLUSH }) }) : stored;
    scanner = new MemberScanner(elements?.of, enough);
    scanner.feed(bytes);
    if (whole || scanner.done) break;
    take = Math.min(stored.length, take * 2);
  }
  const out: Record<string, unknown> = {};
  for (const set of wanted) {
    for (const name of set) {
      const range = scanner.ranges.get(name);
      if (!range || name in out) continue;
      const list = scanner.elements.get(name);
      // An array member read element by element: only the elements kept are parsed.
      out[name] = list && elements ? list.map(([a, b]) => bytes.subarray(a, b)).filter((text) => elements.keep(name, text)).map((text) => JSON.parse(text.toString('utf8')) as unknown) : JSON.parse(bytes.subarray(range[0], range[1]).toString('utf8'));
    }
  }
  return out;
}

/**
 * Some top-level members of a stored snapshot file, a keyframe or a delta (then those members of
 * its keyframe, with the delta's changes to them applied). `keyframes`: parsed members of keyframes
 * already read, by path and member list, shared with later reads. Throws as readMembers does, and an
 * Error naming a delta's missing keyframe.
 */
export async function readSnapshotMembers(file: string, wanted: readonly string[], keyframes?: Map<string, Record<string, unknown>>): Promise<Record<string, unknown>> {
  const names = new Set(wanted);
  const cacheKey = (f: string) => `${f}\n${[...names].sort().join(',')}`;
  const cached = keyframes?.get(cacheKey(file));
  if (cached) return cached;
  // A delta holds snapDelta, base, set and delete: read whole (it is small), then its keyframe's members.
  // Of its changed leaves, only those under the wanted members are parsed (a leaf is [path, value]).
  const prefixes = [...names].map((m) => `[[${JSON.stringify(m)}`);
  const longest = Math.max(...prefixes.map((p) => p.length));
  const head = await readMembers(file, [names, DELTA_MEMBERS], { of: new Set(['set']), keep: (_, text) => prefixes.some((p) => text.toString('latin1', 0, Math.min(text.length, longest)).startsWith(p)) });
  if (!isDelta(head)) {
    const own = Object.fromEntries(Object.entries(head).filter(([k]) => names.has(k)));
    keyframes?.set(cacheKey(file), own);
    return own;
  }
  const delta = head as unknown as SnapshotDelta;
  const base = path.join(path.dirname(file), path.basename(delta.base));
  const keyframe =
    keyframes?.get(cacheKey(base)) ??
    (await readMembers(base, [names]).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`${path.basename(file)} holds only what changed since ${delta.base}, which ${error.code === 'ENOENT' ? 'is gone' : `cannot be read (${error.message})`}`);
    }));
  keyframes?.set(cacheKey(base), keyframe);
  const relevant: SnapshotDelta = { ...delta, set: delta.set.filter(([p]) => names.has(p[0])), delete: delta.delete.filter((p) => names.has(p[0])) };
  return applyDelta(keyframe, relevant) as unknown as Record<string, unknown>;
}
