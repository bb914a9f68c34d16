import { createHash } from 'node:crypto';
import type { Snapshot } from '../core/snapshot-schema.js';
import { jsonChunks } from './json-chunks.js';

/**
 * A snapshot cut into leaves: the parts that change independently — one per environment of a project,
 * per ticket, per repository, per project's drift, and each other top-level member whole. A snapshot
 * file is either a **keyframe** (the whole document) or a **delta**: the leaves that differ from a
 * keyframe, and the paths it no longer has. At 15-minute runs most leaves do not change between runs,
 * so a delta is a small fraction of a keyframe (docs/history.md).
 */

/** How many object levels below each top-level member are split into leaves (0: the member is one leaf). */
const SPLIT: Record<string, number> = { projects: 3, tickets: 1, repositories: 1, drift: 1 };

export interface Leaf {
  path: string[];
  json: string;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';

/** A leaf as serialisation meets it: its path, value, content hash, and its JSON on demand. */
export interface LeafVisit {
  path: string[];
  value: unknown;
  hash: string;
  /** The leaf's JSON (joined from its chunks when asked; keep it only when needed). */
  json(): string;
}

/**
 * Serialises a snapshot, into pieces of about `pieceSize` characters whose concatenation equals
 * JSON.stringify(snapshot) followed by a line break (none with `keepPieces` false: then only its length
 * and the leaves are worked out), calling `onLeaf` for each leaf with its hash. Large leaves are
 * serialised member by member (jsonChunks), so no leaf needs to exist as one string.
 */
export function serializeSnapshot(snapshot: Snapshot, onLeaf?: (leaf: LeafVisit) => void, pieceSize = 1 << 20, keepPieces = true): { pieces: string[]; length: number } {
  const pieces: string[] = [];
  let pending: string[] = [];
  let pendingLength = 0;
  let length = 0;
  const put = (text: string) => {
    length += text.length;
    if (!keepPieces) return;
    pending.push(text);
    pendingLength += text.length;
    if (pendingLength >= pieceSize) {
      pieces.push(pending.join(''));
      pending = [];
      pendingLength = 0;
    }
  };
  const walk = (value: unknown, depth: number, path: string[]) => {
    if (depth > 0 && isPlainObject(value)) {
      const keys = Object.keys(value).filter((k) => value[k] !== undefined && typeof value[k] !== 'function');
      if (keys.length > 0) {
        put('{');
        keys.forEach((key, i) => {
          put(`${i ? ',' : ''}${JSON.stringify(key)}:`);
          walk(value[key], depth - 1, [...path, key]);
        });
        put('}');
        return;
      }
    }
    const hash = createHash('sha1');
    const chunks: string[] = [];
    for (const chunk of jsonChunks(value ?? null, 2)) {
      hash.update(chunk);
      chunks.push(chunk);
      put(chunk);
    }
    onLeaf?.({ path, value, hash: hash.digest('hex').slice(0, 20), json: () => chunks.join('') });
  };
  put('{');
  let first = true;
  for (const [key, member] of Object.entries(snapshot)) {
    if (member === undefined) continue;
    put(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    walk(member, SPLIT[key] ?? 0, [key]);
  }
  put('}\n');
  if (pending.length) pieces.push(pending.join(''));
  return { pieces, length };
}

/** A leaf's identity (its path) and content hash: what a keyframe keeps in the index to make deltas against. */
export const leafKey = (path: readonly string[]): string => JSON.stringify(path);

/** A delta file's document: what differs from its keyframe (`base`, a file name in the same folder). */
export interface SnapshotDelta {
  snapDelta: 1;
  base: string;
  set: [string[], unknown][];
  delete: string[][];
}

/** The delta's JSON text: set leaves written from their JSON as they are (not parsed again). */
export function deltaText(base: string, set: readonly Leaf[], deleted: readonly string[][]): string {
  return `{"snapDelta":1,"base":${JSON.stringify(base)},"set":[${set.map((l) => `[${JSON.stringify(l.path)},${l.json}]`).join(',')}],"delete":${JSON.stringify(deleted)}}\n`;
}

/** Whether a parsed file is a delta. */
export const isDelta = (value: unknown): value is SnapshotDelta => isPlainObject(value) && value.snapDelta === 1 && typeof value.base === 'string' && Array.isArray(value.set);

/**
 * The snapshot a delta stands for: its keyframe without the deleted paths and with the set leaves (a
 * leaf whose parent the keyframe lacks is created with it; a parent left empty by a deletion goes). The
 * keyframe is not modified: the objects along changed paths are copied, the rest is shared, so one
 * parsed keyframe serves every delta of it.
 */
export function applyDelta(keyframe: Record<string, unknown>, delta: SnapshotDelta): Snapshot {
  const root: Record<string, unknown> = { ...keyframe };
  const copied = new Set<object>([root]);
  /** The child object at `key`, as a copy this delta may change (made, if it is missing and `create`). */
  const own = (parent: Record<string, unknown>, key: string, create: boolean): Record<string, unknown> | undefined => {
    const child = parent[key];
    if (isPlainObject(child)) {
      if (copied.has(child)) return child;
      const copy = { ...child };
      parent[key] = copy;
      copied.add(copy);
      return copy;
    }
    if (!create) return undefined;
    const fresh: Record<string, unknown> = {};
    parent[key] = fresh;
    copied.add(fresh);
    return fresh;
  };
  for (const path of delta.delete) {
    const chain: Record<string, unknown>[] = [root];
    for (const key of path.slice(0, -1)) {
      const next = own(chain[chain.length - 1], key, false);
      if (!next) break;
      chain.push(next);
    }
    if (chain.length !== path.length) continue;
    delete chain[chain.length - 1][path[path.length - 1]];
    // Up again, removing the parents it leaves empty (an empty object still there is a leaf of its own, set below).
    for (let i = chain.length - 2; i >= 0 && Object.keys(chain[i + 1]).length === 0; i--) delete chain[i][path[i]];
  }
  for (const [path, value] of delta.set) {
    let node = root;
    for (const key of path.slice(0, -1)) node = own(node, key, true)!;
    node[path[path.length - 1]] = value;
  }
  return root as unknown as Snapshot;
}
