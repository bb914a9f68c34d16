/**
 * What a deployed version string may say about its commit, before any lookup: a commit SHA inside it
 * (whole, short, as a suffix `1.4.2-3f9c2ab`, with a prefix `sha-3f9c2ab`, or git-describe style
 * `v1.4.2-4-g3f9c2ab`), and the git tag names it may equal (`1.4.2` or `v1.4.2`).
 * Resolution against the commit graph tries the SHA first, then the tags.
 */
export interface TagCandidates {
  /** Full (40) or abbreviated (7–12) hex commit id, lower case. */
  sha?: string;
  /** Tag names to look up, most likely first. */
  gitTags: string[];
}

const FULL_SHA = /^[0-9a-f]{40}$/;
/** A hex run of 7–12 characters at the end, after a separator, an optional `sha`/`g` prefix; digits alone do not count. */
const SHA_SUFFIX = /(?:^|[-_.+])(?:sha-?|g)?([0-9a-f]{7,12})$/;

export function tagCandidates(version: string): TagCandidates {
  const value = version.trim();
  const lower = value.toLowerCase();
  const gitTags = value ? [...new Set([value, value.startsWith('v') ? value.slice(1) : `v${value}`])].filter(Boolean) : [];
  if (FULL_SHA.test(lower)) return { sha: lower, gitTags };
  const suffix = SHA_SUFFIX.exec(lower);
  // A run of digits is usually a build number or a date, not a commit id. But about one 7-character
  // short SHA in twenty has no letter, so exactly 7 digits after a semantic version (`1.4.2-2982527`,
  // the form CI tools write) still counts; a lookup settles it and the git tags are tried next.
  if (suffix && (/[a-f]/.test(suffix[1]) || /^v?\d+\.\d+\.\d+-\d{7}$/.test(lower))) return { sha: suffix[1], gitTags };
  return { gitTags };
}
