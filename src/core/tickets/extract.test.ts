import { describe, expect, it } from 'vitest';
import { extractTickets, ownPullRequest } from './extract.js';
import { TicketKeyPolicy } from './keys.js';

const keys = (text: string, ...args: Parameters<typeof extractTickets> extends [string, ...infer R] ? R : never) => extractTickets(text, ...args).map((r) => r.key);
const references = (text: string, source: Parameters<typeof extractTickets>[1]) =>
  extractTickets(text, source)
    .filter((r) => r.reference)
    .map((r) => r.key);

describe('ticket extraction', () => {
  it('finds Jira keys in titles, messages and bodies', () => {
    expect(keys('PAY-412 Add refund endpoint', 'pr-title')).toEqual(['PAY-412']);
    expect(keys('Refs PAY-1, PAY-2 and CHK-30.', 'pr-body')).toEqual(['PAY-1', 'PAY-2', 'CHK-30']);
    expect(keys('[OPS-7] rotate keys', 'commit-message')).toEqual(['OPS-7']);
    expect(keys('feature/PAY-412-refunds', 'branch')).toEqual(['PAY-412']);
    // Jira keys may hold underscores and digits.
    expect(keys('[MY_PROJ-12] rename', 'pr-title')).toEqual(['MY_PROJ-12']);
  });

  it('never takes standards, digests, CVE ids, versioned words or PR numbers for tickets', () => {
    const decoys = 'Fix UTF-8 handling, SHA-256 checksums, ISO-8601 dates, CVE-2024-3094 patch, RFC-3339, AES-256, TLS-1 and X-1';
    expect(keys(decoys, 'commit-message')).toEqual([]);
    expect(keys('sha256-abc PAY-0 ABC-12a A-1 PAY-1.2', 'pr-title')).toEqual([]);
    expect(keys('GPT-4 summaries for IE-11 on ARM-64', 'pr-title')).toEqual([]);
    expect(keys('PR-123', 'branch')).toEqual([]);
  });

  it('marks the places people put ticket references, which is what project keys are learnt from', () => {
    expect(references('PAY-412 Add refund endpoint', 'pr-title')).toEqual(['PAY-412']);
    expect(references('[CLI-354] Fix wrapped indent (#439).', 'commit-message')).toEqual(['CLI-354']);
    expect(references('fix(PAY-7): round half up', 'commit-message')).toEqual(['PAY-7']);
    expect(references('Add a cart (SHOP-12)', 'pr-title')).toEqual(['SHOP-12']);
    expect(references('Upgrade the summariser to NODE-18 and fixes PAY-3', 'pr-title')).toEqual(['PAY-3']);
    expect(references('feature/PAY-412-refunds', 'branch')).toEqual(['PAY-412']);
    // Mentioned in passing: a candidate, not evidence.
    expect(references('Port the JDK-8193396 workaround', 'commit-message')).toEqual([]);
    expect(keys('Port the JDK-8193396 workaround', 'commit-message')).toEqual(['JDK-8193396']);
    // Only the subject's start counts in a commit message; a body line starting with a key does not.
    expect(references('Tidy\n\nLANG-77 was about this', 'commit-message')).toEqual([]);
  });

  it('ignores keys inside URLs of other hosts, and keeps them on the ticket host', () => {
    const text = 'See https://example.com/issues/ABC-99 and https://acme.atlassian.net/browse/PAY-7';
    expect(keys(text, 'pr-body')).toEqual([]);
    expect(extractTickets(text, 'pr-body', { ticketHosts: ['acme.atlassian.net'] })).toEqual([{ key: 'PAY-7', kind: 'jira', source: 'pr-body', reference: true }]);
  });

  it('with configured project keys: only those, in any case, bracketed or not', () => {
    expect(keys('PAY-1 and COVID-19 and CHK-2', 'pr-title', { jiraProjects: ['PAY'] })).toEqual(['PAY-1']);
    expect(keys('ada/pay-123-retry', 'branch', { jiraProjects: ['pay'] })).toEqual(['PAY-123']);
    expect(keys('[shop-7] fix the basket', 'pr-title', { jiraProjects: ['SHOP'] })).toEqual(['SHOP-7']);
    expect(keys('[my_proj-3] fix', 'commit-message', { jiraProjects: ['MY_PROJ'] })).toEqual(['MY_PROJ-3']);
  });

  it('reads lower-case keys only from branch names, as candidates that need a known project key', () => {
    expect(extractTickets('ada/pay-123-retry', 'branch')).toEqual([{ key: 'PAY-123', kind: 'jira', source: 'branch', lower: true }]);
    expect(keys('bump node-18 to node-20', 'pr-title')).toEqual([]);
  });

  it('finds GitHub references when enabled, with closing keywords, but not the commit\'s own PR number', () => {
    const opts = { githubIssues: true, repository: 'acme/api' };
    expect(extractTickets('fixes #12, see acme/web#4 and #12', 'pr-body', opts)).toEqual([
      { key: 'acme/api#12', kind: 'github', source: 'pr-body', closes: true },
      { key: 'acme/web#4', kind: 'github', source: 'pr-body' },
    ]);
    expect(keys('Add refunds (#31)\n\nCloses #9', 'commit-message', opts)).toEqual(['acme/api#9']);
    expect(keys('colour #fff, anchor https://x.io/a#1, issue #3', 'pr-body', opts)).toEqual(['acme/api#3']);
    expect(keys('#12', 'pr-body')).toEqual([]);
    // A trailing full stop, and the number repeated in the body, are still the commit's own PR.
    expect(keys('Keep StopWatch splits in long millis (#1667).', 'commit-message', opts)).toEqual([]);
    expect(keys('Fix the parser (#1667).\n\n* Fix the parser (#1667)\n* Add a test, see #1500', 'commit-message', opts)).toEqual(['acme/api#1500']);
    expect(ownPullRequest('Fix the parser (#1667).')).toBe(1667);
  });

  it('marks Jira keys that the text closes', () => {
    expect(extractTickets('Resolves PAY-5; relates to PAY-6', 'pr-body')).toEqual([
      { key: 'PAY-5', kind: 'jira', source: 'pr-body', closes: true, reference: true },
      { key: 'PAY-6', kind: 'jira', source: 'pr-body', reference: true },
    ]);
  });
});

describe('learning ticket keys', () => {
  const found = (text: string, source: Parameters<typeof extractTickets>[1], where = text) => extractTickets(text, source, { githubIssues: true, repository: 'acme/api' }).map((ref) => ({ ref, where: () => where }));

  it('takes prefixes seen where references go, and reports the rest as noise with an example', () => {
    const policy = new TicketKeyPolicy();
    policy.learn([
      ...found('PAY-412 Add refunds', 'pr-title'),
      ...found('ada/pay-415-retry', 'branch'),
      ...found('Upgrade the summariser to GPT-4', 'pr-title'),
      ...found('Drop IE-11 support', 'pr-title'),
      ...found('Build images for ARM-64', 'pr-title'),
      ...found('PR-123', 'branch'),
      ...found('Port the JDK-8193396 workaround', 'commit-message'),
      ...found('Port the JDK-8193397 workaround', 'commit-message'),
    ]);
    const accepts = (key: string, lower = false) => policy.accepts({ key, kind: 'jira', source: 'pr-title', ...(lower ? { lower } : {}) });
    expect(accepts('PAY-412')).toBe(true);
    // A lower-case branch key counts once its project key is known from elsewhere.
    expect(accepts('PAY-415', true)).toBe(true);
    expect(accepts('JDK-8193396')).toBe(false);
    expect(policy.report()).toEqual({
      mode: 'learned',
      accepted: [{ prefix: 'PAY', keys: 2, evidence: 'PAY-412 Add refunds' }],
      ignored: [{ prefix: 'JDK', keys: 2, example: 'Port the JDK-8193396 workaround' }],
    });
  });

  it('with configured keys, takes exactly those', () => {
    const policy = new TicketKeyPolicy(['SHOP']);
    policy.learn(found('[shop-7] fix', 'pr-title'));
    expect(policy.report().mode).toBe('configured');
    expect(policy.accepts({ key: 'SHOP-7', kind: 'jira', source: 'pr-title' })).toBe(true);
    expect(policy.accepts({ key: 'PAY-1', kind: 'jira', source: 'pr-title' })).toBe(false);
  });
});

describe('pull request numbers are not tickets', () => {
  const opts = { githubIssues: true, repository: 'apache/commons-lang' };
  it('skips (#N) closing any line of a commit message, as real changelog commits write it', () => {
    // A real commit: the subject wrapped, the PR it records on the second line.
    expect(keys('Keep StopWatch.formatSplitTime from clamping splits to int millis\n(#1777).', 'commit-message', opts)).toEqual([]);
    expect(keys('Merge pull request #7 from acme/feat/OPS-787-handle-iso-8601-dates\n\nHandle ISO-8601 dates', 'commit-message', opts)).toEqual(['OPS-787']);
    // A reference inside a sentence is still one.
    expect(keys('Fix the parser, see #1500 for the report', 'commit-message', opts)).toEqual(['apache/commons-lang#1500']);
  });
});
