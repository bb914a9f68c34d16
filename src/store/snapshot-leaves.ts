import { createHash } from 'node:crypto';
import type { Snapshot } from '../core/snapshot-schema.js';

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

/**
 * Serialises a snapshot once: its leaves (path and JSON), and the whole document as pieces of about
 * `pieceSize` characters whose concatenation equals JSON.stringify(snapshot) followed by a line break.
 */
export function serializeSnapshot(snapshot: Snapshot, pieceSize = 1 << 20): { leaves: Leaf[]; pieces: string[]; length: number } {
  const leaves: Leaf[] = [];
  const pieces: string[] = [];
  let pending: string[] = [];
  let pendingLength = 0;
  let length = 0;
  const put = (text: string) => {
    pending.push(text);
    pendingLength += text.length;
    length += text.length;
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
    const json = JSON.stringify(value) ?? 'null';
    leaves.push({ path, json });
    put(json);
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
  return { leaves, pieces, length };
}

/** A leaf's identity (its path) and content hash: what a keyframe keeps in the index to make deltas against. */
export const leafKey = (path: readonly string[]): string => JSON.stringify(path);
export const leafHash = (json: string): string => createHash('sha1').update(json).digest('hex').slice(0, 20);

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
 * The snapshot a delta stands for: its keyframe (parsed, modified in place) without the deleted paths
 * and with the set leaves. A leaf whose parent the keyframe lacks is created with it.
 */
export function applyDelta(keyframe: Record<string, unknown>, delta: SnapshotDelta): Snapshot {
  for (const path of delta.delete) {
    // Down to the leaf's parent, then up again removing the parents it leaves empty (a project or an
    // environment that went: an empty object that is still there is a leaf of its own, set below).
    const chain: Record<string, unknown>[] = [];
    let node: unknown = keyframe;
    for (const key of path.slice(0, -1)) {
      if (!isPlainObject(node)) break;
      chain.push(node);
      node = node[key];
    }
    if (!isPlainObject(node) || chain.length !== path.length - 1) continue;
    delete node[path[path.length - 1]];
    for (let i = chain.length - 1; i >= 0 && Object.keys(chain[i][path[i]] as object).length === 0; i--) delete chain[i][path[i]];
  }
  for (const [path, value] of delta.set) {
    let node = keyframe;
    for (const key of path.slice(0, -1)) {
      if (!isPlainObject(node[key])) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = value;
  }
  return keyframe as unknown as Snapshot;
}
