import type { CommitGraph } from '../graph/commit-graph.js';
import { tagCandidates } from './tag-candidates.js';

/**
 * Deployed version → commit. The version string comes from the image tag, a label or an annotation
 * (config `version.from`); it may hold a commit SHA (whole, abbreviated, or inside a longer tag) or
 * name a git tag. The SHA is tried first, then the tags. A SHA the local graph lacks is a lookup
 * for GitHub (the commit may be older than the window or off the default branch).
 */
export type ResolvedBy = 'sha-in-tag' | 'git-tag' | 'label' | 'annotation';

export interface ResolvedCommit {
  oid: string;
  resolvedBy: ResolvedBy;
  /** In words: "short SHA 3f9c2ab in tag 1.4.2-3f9c2ab", "git tag v1.3.0", "annotation snap.dev/git-commit". */
  detail: string;
}

export type Resolution =
  | { status: 'resolved'; commit: ResolvedCommit }
  | { status: 'lookup'; expression: string }
  | { status: 'unresolved'; tried: string[] };

export interface RepoRefs {
  graph: CommitGraph;
  tags: ReadonlyMap<string, string>;
}

/** `source` is `image-tag`, `label:<key>` or `annotation:<key>`, as in the snapshot's `version.source`. */
export function resolveVersion(value: string, source: string, repo: RepoRefs, lookedUp?: ReadonlySet<string>): Resolution {
  const [kind, key] = source.includes(':') ? [source.slice(0, source.indexOf(':')), source.slice(source.indexOf(':') + 1)] : [source, ''];
  const resolvedBy: ResolvedBy = kind === 'label' ? 'label' : kind === 'annotation' ? 'annotation' : 'sha-in-tag';
  const where = kind === 'image-tag' ? `tag ${value}` : `${kind} ${key}=${value}`;
  const candidates = tagCandidates(value);
  const tried: string[] = [];
  if (candidates.sha) {
    const found = repo.graph.find(candidates.sha);
    const form = candidates.sha.length === 40 ? 'SHA' : 'short SHA';
    if (found && found !== 'ambiguous') return { status: 'resolved', commit: { oid: found.oid, resolvedBy, detail: `${form} ${candidates.sha} in ${where}` } };
    if (found === 'ambiguous') tried.push(`${form} ${candidates.sha} is ambiguous in the cached history`);
    else if (!lookedUp?.has(candidates.sha)) return { status: 'lookup', expression: candidates.sha };
    else tried.push(`${form} ${candidates.sha} from ${where}: no such commit on GitHub`);
  } else tried.push(`no commit SHA in ${where}`);
  for (const name of candidates.gitTags) {
    const oid = repo.tags.get(name);
    if (oid) {
      const commit = repo.graph.find(oid);
      if (commit && commit !== 'ambiguous') {
        return { status: 'resolved', commit: { oid: commit.oid, resolvedBy: kind === 'image-tag' ? 'git-tag' : resolvedBy, detail: `git tag ${name}${kind === 'image-tag' ? '' : ` from ${where}`}` } };
      }
      if (!lookedUp?.has(oid)) return { status: 'lookup', expression: oid };
      tried.push(`git tag ${name} points at ${oid.slice(0, 7)}, which GitHub did not return`);
      continue;
    }
  }
  if (candidates.gitTags.length) tried.push(`no git tag named ${candidates.gitTags.join(' or ')}`);
  return { status: 'unresolved', tried };
}
