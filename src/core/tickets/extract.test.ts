import { describe, expect, it } from 'vitest';
import { extractTickets } from './extract.js';

const keys = (text: string, ...args: Parameters<typeof extractTickets> extends [string, ...infer R] ? R : never) => extractTickets(text, ...args).map((r) => r.key);

describe('ticket extraction', () => {
  it('finds Jira keys in titles, messages and bodies', () => {
    expect(keys('PAY-412 Add refund endpoint', 'pr-title')).toEqual(['PAY-412']);
    expect(keys('Refs PAY-1, PAY-2 and CHK-30.', 'pr-body')).toEqual(['PAY-1', 'PAY-2', 'CHK-30']);
    expect(keys('[OPS-7] rotate keys', 'commit-message')).toEqual(['OPS-7']);
    expect(keys('feature/PAY-412-refunds', 'branch')).toEqual(['PAY-412']);
  });

  it('never takes standards, digests or CVE ids for tickets', () => {
    const decoys = 'Fix UTF-8 handling, SHA-256 checksums, ISO-8601 dates, CVE-2024-3094 patch, RFC-3339, AES-256, TLS-1 and X-1';
    expect(keys(decoys, 'commit-message')).toEqual([]);
    expect(keys('sha256-abc PAY-0 ABC-12a A-1 pay-12', 'pr-title')).toEqual([]);
  });

  it('ignores keys inside URLs of other hosts, and keeps them on the ticket host', () => {
    const text = 'See https://example.com/issues/ABC-99 and https://acme.atlassian.net/browse/PAY-7';
    expect(keys(text, 'pr-body')).toEqual([]);
    expect(keys(text, 'pr-body', { ticketHosts: ['acme.atlassian.net'] })).toEqual(['PAY-7']);
  });

  it('restricts to configured project keys, and then reads lower-case branch names', () => {
    expect(keys('PAY-1 and COVID-19 and CHK-2', 'pr-title', { jiraProjects: ['PAY'] })).toEqual(['PAY-1']);
    expect(keys('ada/pay-123-retry', 'branch', { jiraProjects: ['pay'] })).toEqual(['PAY-123']);
    expect(keys('ada/pay-123-retry', 'branch')).toEqual([]);
  });

  it('finds GitHub references when enabled, with closing keywords, but not the squash PR suffix', () => {
    const opts = { githubIssues: true, repository: 'acme/api' };
    expect(extractTickets('fixes #12, see acme/web#4 and #12', 'pr-body', opts)).toEqual([
      { key: 'acme/api#12', kind: 'github', source: 'pr-body', closes: true },
      { key: 'acme/web#4', kind: 'github', source: 'pr-body' },
    ]);
    expect(keys('Add refunds (#31)\n\nCloses #9', 'commit-message', opts)).toEqual(['acme/api#9']);
    expect(keys('colour #fff, anchor https://x.io/a#1, issue #3', 'pr-body', opts)).toEqual(['acme/api#3']);
    expect(keys('#12', 'pr-body')).toEqual([]);
  });

  it('marks Jira keys that the text closes', () => {
    expect(extractTickets('Resolves PAY-5; relates to PAY-6', 'pr-body')).toEqual([
      { key: 'PAY-5', kind: 'jira', source: 'pr-body', closes: true },
      { key: 'PAY-6', kind: 'jira', source: 'pr-body' },
    ]);
  });
});
