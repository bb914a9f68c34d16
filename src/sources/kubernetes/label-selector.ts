/**
 * Kubernetes label selectors: equality-based (`a=b`, `a==b`, `a!=b`) and set-based
 * (`a in (x,y)`, `a notin (x)`, `a`, `!a`), comma-separated requirements that must all hold.
 */
export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'doesnotexist' };

export type LabelSelector = Requirement[];

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$/;

export class LabelSelectorError extends Error {}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim());
}

function assertKey(key: string, selector: string): void {
  if (!KEY.test(key)) throw new LabelSelectorError(`"${key}" is not a valid label key in selector "${selector}"`);
}

function assertValue(value: string, selector: string): void {
  if (!VALUE.test(value) || value.length > 63) {
    throw new LabelSelectorError(`"${value}" is not a valid label value in selector "${selector}"`);
  }
}

export function parseLabelSelector(selector: string): LabelSelector {
  const text = selector.trim();
  if (text === '') return [];
  const open = (text.match(/\(/g) ?? []).length;
  const close = (text.match(/\)/g) ?? []).length;
  if (open !== close) throw new LabelSelectorError(`${open > close ? 'a "(" is not closed' : 'a ")" has no "("'} in selector "${selector}"`);
  const requirements: LabelSelector = [];
  for (const part of splitTopLevel(text)) {
    if (part === '') throw new LabelSelectorError(`empty requirement in selector "${selector}"`);
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (set) {
      const values = set[3].split(',').map((v) => v.trim());
      assertKey(set[1], selector);
      values.forEach((v) => assertValue(v, selector));
      requirements.push({ key: set[1], op: set[2] as 'in' | 'notin', values });
      continue;
    }
    const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (eq) {
      assertKey(eq[1], selector);
      assertValue(eq[3], selector);
      requirements.push({ key: eq[1], op: eq[2] === '!=' ? 'notin' : 'in', values: [eq[3]] });
      continue;
    }
    const not = /^!\s*(\S+)$/.exec(part);
    if (not) {
      assertKey(not[1], selector);
      requirements.push({ key: not[1], op: 'doesnotexist' });
      continue;
    }
    assertKey(part, selector);
    requirements.push({ key: part, op: 'exists' });
  }
  return requirements;
}

export function matchesLabelSelector(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const have = labels ?? {};
  return selector.every((req) => {
    const present = Object.prototype.hasOwnProperty.call(have, req.key);
    switch (req.op) {
      case 'exists':
        return present;
      case 'doesnotexist':
        return !present;
      case 'in':
        return present && req.values.includes(have[req.key]);
      case 'notin':
        return !present || !req.values.includes(have[req.key]);
    }
  });
}
