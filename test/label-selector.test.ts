import { describe, expect, it } from 'vitest';
import { LabelSelectorError, matchesLabelSelector, parseLabelSelector } from '../src/sources/kubernetes/label-selector.js';

const labels = { app: 'api', tier: 'backend', 'app.kubernetes.io/part-of': 'payments' };
const matches = (selector: string) => matchesLabelSelector(parseLabelSelector(selector), labels);

describe('label selectors', () => {
  it('matches equality, inequality, set and existence requirements', () => {
    expect(matches('app=api')).toBe(true);
    expect(matches('app==api,tier=backend')).toBe(true);
    expect(matches('app=web')).toBe(false);
    expect(matches('app!=web')).toBe(true);
    expect(matches('missing!=x')).toBe(true);
    expect(matches('tier in (backend, frontend)')).toBe(true);
    expect(matches('tier notin (backend)')).toBe(false);
    expect(matches('app.kubernetes.io/part-of')).toBe(true);
    expect(matches('!app.kubernetes.io/part-of')).toBe(false);
    expect(matches('!canary,app in (api)')).toBe(true);
    expect(matches('')).toBe(true);
  });

  it('rejects malformed selectors with the offending part', () => {
    expect(() => parseLabelSelector('app=api,,tier=x')).toThrow(LabelSelectorError);
    expect(() => parseLabelSelector('-bad=x')).toThrow(/"-bad" is not a valid label key/);
    expect(() => parseLabelSelector('app=has space')).toThrow(LabelSelectorError);
  });
});
