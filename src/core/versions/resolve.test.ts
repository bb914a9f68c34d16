import { describe, expect, it } from 'vitest';
import type { CommitNode } from '../../sources/github/types.js';
import { CommitGraph } from '../graph/commit-graph.js';
import { resolveVersion } from './resolve.js';

const oid = (n: number) => n.toString(16).padStart(2, '0').repeat(20);
const commit = (n: number, parents: number[] = []): CommitNode => ({ oid: oid(n), parents: parents.map(oid), committedAt: '2026-11-01T00:00:00Z', author: 'ada', headline: `commit ${n}` });

// 3f9c2ab… and 3f9c2ac… share the prefix 3f9c2a: a 6-character prefix would be ambiguous.
const A = { ...commit(1), oid: '3f9c2ab0c1d2e3f405162738495a6b7c8d9e0f1a' };
const B = { ...commit(2, []), oid: '3f9c2ac0c1d2e3f405162738495a6b7c8d9e0f1b', parents: [A.oid] };
const C = { ...commit(3), oid: 'b8376bb0000000000000000000000000000000cc', parents: [B.oid] };
const repo = {
  graph: new CommitGraph([A, B, C]),
  tags: new Map([
    ['v1.2.0', B.oid],
    ['2.0.0', C.oid],
  ]),
};

describe('version → commit', () => {
  it.each([
    ['a full SHA as the tag', C.oid, 'image-tag', C.oid, 'sha-in-tag', `SHA ${C.oid} in tag ${C.oid}`],
    ['a short SHA as the tag', 'b8376bb', 'image-tag', C.oid, 'sha-in-tag', 'short SHA b8376bb in tag b8376bb'],
    ['a SHA suffix after a version', '1.4.2-3f9c2ab', 'image-tag', A.oid, 'sha-in-tag', 'short SHA 3f9c2ab in tag 1.4.2-3f9c2ab'],
    ['a sha- prefix', 'sha-3f9c2ac', 'image-tag', B.oid, 'sha-in-tag', 'short SHA 3f9c2ac in tag sha-3f9c2ac'],
    ['git describe output', 'v1.1.0-4-gb8376bb', 'image-tag', C.oid, 'sha-in-tag', 'short SHA b8376bb in tag v1.1.0-4-gb8376bb'],
    ['a git tag equal to the image tag', 'v1.2.0', 'image-tag', B.oid, 'git-tag', 'git tag v1.2.0'],
    ['a git tag without the v the image tag has', 'v2.0.0', 'image-tag', C.oid, 'git-tag', 'git tag 2.0.0'],
    ['a git tag with the v the image tag lacks', '1.2.0', 'image-tag', B.oid, 'git-tag', 'git tag v1.2.0'],
    ['a label holding a SHA', '3f9c2ab', 'label:app.kubernetes.io/version', A.oid, 'label', 'short SHA 3f9c2ab in label app.kubernetes.io/version=3f9c2ab'],
    ['an annotation holding a full SHA', B.oid, 'annotation:snap.dev/git-commit', B.oid, 'annotation', `SHA ${B.oid} in annotation snap.dev/git-commit=${B.oid}`],
    ['an annotation holding a tag', 'v1.2.0', 'annotation:release', B.oid, 'annotation', 'git tag v1.2.0 from annotation release=v1.2.0'],
  ])('resolves %s', (_name, value, source, expected, resolvedBy, detail) => {
    expect(resolveVersion(value, source, repo)).toEqual({ status: 'resolved', commit: { oid: expected, resolvedBy, detail } });
  });

  it('asks GitHub for a SHA the local history lacks, once', () => {
    expect(resolveVersion('1.0.0-deadbee', 'image-tag', repo)).toEqual({ status: 'lookup', expression: 'deadbee' });
    expect(resolveVersion('1.0.0-deadbee', 'image-tag', repo, new Set(['deadbee']))).toEqual({
      status: 'unresolved',
      tried: ['short SHA deadbee from tag 1.0.0-deadbee: no such commit on GitHub', 'no git tag named 1.0.0-deadbee or v1.0.0-deadbee'],
    });
  });

  it('asks GitHub for the commit of a tag that lies outside the window', () => {
    const old = { graph: repo.graph, tags: new Map([['v0.9.0', 'ffffffffffffffffffffffffffffffffffffffff']]) };
    expect(resolveVersion('v0.9.0', 'image-tag', old)).toEqual({ status: 'lookup', expression: 'ffffffffffffffffffffffffffffffffffffffff' });
  });

  it('says which strategies it tried when nothing matches', () => {
    expect(resolveVersion('latest', 'image-tag', repo)).toEqual({ status: 'unresolved', tried: ['no commit SHA in tag latest', 'no git tag named latest or vlatest'] });
    expect(resolveVersion('build-1042', 'annotation:build', repo)).toEqual({
      status: 'unresolved',
      tried: ['no commit SHA in annotation build=build-1042', 'no git tag named build-1042 or vbuild-1042'],
    });
  });

  it('does not guess between commits that share a short prefix', () => {
    const r = resolveVersion('3f9c2a', 'image-tag', repo);
    // Six characters are too short to count as a SHA at all; the tags are tried instead.
    expect(r.status).toBe('unresolved');
    const ambiguous = new CommitGraph([A, B, C, { ...A, oid: 'b8376bb1111111111111111111111111111111dd' }]);
    expect(resolveVersion('b8376bb', 'image-tag', { graph: ambiguous, tags: new Map() })).toMatchObject({ status: 'unresolved', tried: [expect.stringMatching(/ambiguous/), expect.any(String)] });
  });
});
