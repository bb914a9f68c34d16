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
/** A hex run of 7–12 characters at the end, after a separator and an optional `sha`/`g` marker (group 1). */
const SHA_SUFFIX = /(?:^|[-_.+])(sha-?|g)?([0-9a-f]{7,12})$/;
/** The forms in which a run of digits alone is still a short SHA: the whole tag is the 7 characters `git rev-parse --short` prints, or they follow a semantic version, as CI tools write it. */
const DIGITS_AS_SHA = /^(?:\d{7}|v?\d+\.\d+\.\d+-\d{7})$/;

export function tagCandidates(version: string): TagCandidates {
  const value = version.trim();
  const lower = value.toLowerCase();
  const gitTags = value ? [...new Set([value, value.startsWith('v') ? value.slice(1) : `v${value}`])].filter(Boolean) : [];
  if (FULL_SHA.test(lower)) return { sha: lower, gitTags };
  const suffix = SHA_SUFFIX.exec(lower);
  // A run of digits is usually a build number or a date, not a commit id. But about one 7-character
  // short SHA in 27 has no letter ((10/16)^7), so digits still count where the form says SHA: the
  // whole tag is 7 digits (`2982527`), a `sha-`/`g` marker precedes them (`sha-2982527`,
  // `v1.4-3-g2982527`), or they follow a semantic version (`1.4.2-2982527`). A lookup settles it,
  // and the git tags are tried next.
  if (suffix && (/[a-f]/.test(suffix[2]) || suffix[1] !== undefined || DIGITS_AS_SHA.test(lower))) return { sha: suffix[2], gitTags };
  return { gitTags };
}
