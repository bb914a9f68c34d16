import { describe, expect, it } from 'vitest';
import { tagCandidates } from './tag-candidates.js';

describe('version → commit candidates', () => {
  it('finds a full or short SHA, alone, as a suffix or with a prefix', () => {
    const full = '53ee313ddfad271a50c72a0fb7e7f8758879b4e0';
    expect(tagCandidates(full).sha).toBe(full);
    expect(tagCandidates(full.toUpperCase()).sha).toBe(full);
    expect(tagCandidates('3f9c2ab').sha).toBe('3f9c2ab');
    expect(tagCandidates('1.4.2-3f9c2ab').sha).toBe('3f9c2ab');
    expect(tagCandidates('sha-3f9c2ab1').sha).toBe('3f9c2ab1');
    expect(tagCandidates('v1.4.2-4-g3f9c2ab').sha).toBe('3f9c2ab');
    expect(tagCandidates('main_3f9c2abde01f').sha).toBe('3f9c2abde01f');
    // A short SHA with no letter, in the semver-suffix form.
    expect(tagCandidates('1.3.6-2982527').sha).toBe('2982527');
    // …alone, as `git rev-parse --short` prints it, or after a sha-/g marker.
    expect(tagCandidates('6374645').sha).toBe('6374645');
    expect(tagCandidates('sha-6374645').sha).toBe('6374645');
    expect(tagCandidates('v1.4.2-4-g6374645').sha).toBe('6374645');
  });

  it('does not take build numbers, dates or words for commit ids', () => {
    expect(tagCandidates('1.4.2-20261124').sha).toBeUndefined();
    expect(tagCandidates('build-1234567').sha).toBeUndefined();
    expect(tagCandidates('20261124').sha).toBeUndefined();
    expect(tagCandidates('123456').sha).toBeUndefined();
    expect(tagCandidates('12345678').sha).toBeUndefined();
    expect(tagCandidates('latest').sha).toBeUndefined();
    expect(tagCandidates('release-deadbeefcafe0').sha).toBeUndefined();
  });

  it('proposes git tags with and without v', () => {
    expect(tagCandidates('v1.2.0').gitTags).toEqual(['v1.2.0', '1.2.0']);
    expect(tagCandidates('1.2.0').gitTags).toEqual(['1.2.0', 'v1.2.0']);
    expect(tagCandidates('1.4.2-3f9c2ab').gitTags).toEqual(['1.4.2-3f9c2ab', 'v1.4.2-3f9c2ab']);
  });
});
