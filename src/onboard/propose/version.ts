import { tagCandidates } from '../../core/versions/tag-candidates.js';
import { parseImageReference } from './images.js';
import { mainContainer } from './mapping.js';
import type { DiscoveredWorkload } from '../types.js';

export interface VersionProposal {
  from: 'image-tag' | 'label' | 'annotation';
  key?: string;
  reason: string;
}

const SHA = /^[0-9a-f]{40}$/;

/**
 * How to read a service's version, from what its workloads look like: the image tag when it holds a
 * SHA or looks like a release (`v1.4.2`, `1.4.2-3f9c2ab`); otherwise a label or annotation holding a
 * full commit SHA when there is one (`build-1042` with `snap.dev/git-commit: 3f9c2ab…`).
 */
export function proposeVersion(workloads: readonly DiscoveredWorkload[], container?: string): VersionProposal {
  const tags = workloads.map((w) => {
    const c = (container ? w.containers.find((x) => x.name === container) : undefined) ?? mainContainer(w);
    return c ? parseImageReference(c.image)?.tag : undefined;
  });
  const usable = tags.filter((t) => t && (tagCandidates(t).sha || /^v?\d+\.\d+(\.\d+)?$/.test(t)));
  if (usable.length > 0 && usable.length === tags.length) return { from: 'image-tag', reason: `image tags such as ${usable[0]} name a commit or a release` };
  for (const kind of ['annotations', 'labels'] as const) {
    const keys = new Map<string, number>();
    for (const w of workloads) for (const [key, value] of Object.entries(kind === 'annotations' ? w.annotations : w.labels)) if (SHA.test(value)) keys.set(key, (keys.get(key) ?? 0) + 1);
    const best = [...keys].sort((a, b) => b[1] - a[1])[0];
    if (best && best[1] === workloads.length) {
      return { from: kind === 'annotations' ? 'annotation' : 'label', key: best[0], reason: `image tags such as ${tags.find(Boolean) ?? '(none)'} name no commit; ${kind === 'annotations' ? 'annotation' : 'label'} ${best[0]} holds one` };
    }
  }
  return { from: 'image-tag', reason: tags.find(Boolean) ? `image tags such as ${tags.find(Boolean)}; no label or annotation holds a commit` : 'no image tag found' };
}
