import { describe, expect, it } from 'vitest';
import { liveMerge } from '../../src/lib/merge';
import type { Entry, Merged } from '../../src/lib/types';

const entry = (key: string, value: string, overridden = false): Entry =>
  ({ key, value, line: 1, comments: [], tags: [], exported: false, quote: 'none', overridden, inline_comment: null }) as Entry;
const m = (key: string, value: string, source: Merged['source'], overrides: Merged['overrides'] = []): Merged => ({
  key, value, source, overrides, resolved: null, error: null,
});

// Saved: project A=1 B=p; target B=t C=t; environment C=e.
const saved = [
  m('A', '1', 'project'),
  m('B', 't', 'target', [{ level: 'project', value: 'p' }]),
  m('C', 'e', 'environment', [{ level: 'target', value: 't' }]),
];
const kinds = ['project', 'target', 'environment'] as const;

describe('liveMerge', () => {
  it('gives the saved merge back when the edited level is unchanged', () => {
    expect(liveMerge(saved, [...kinds], 'environment', [entry('C', 'e')])).toEqual(saved);
  });

  it('lets an edit override, un-override and add keys with their provenance', () => {
    const live = liveMerge(saved, [...kinds], 'environment', [entry('A', 'x', true), entry('A', 'env'), entry('D', 'new')]);
    expect(live).toEqual([
      m('A', 'env', 'environment', [{ level: 'project', value: '1' }]),
      m('B', 't', 'target', [{ level: 'project', value: 'p' }]),
      m('C', 't', 'target'),
      m('D', 'new', 'environment'),
    ]);
  });

  it('re-merges the deeper levels over an edited shallow level', () => {
    const live = liveMerge(saved, [...kinds], 'project', [entry('B', 'p2')]);
    expect(live).toEqual([
      m('B', 't', 'target', [{ level: 'project', value: 'p2' }]),
      m('C', 'e', 'environment', [{ level: 'target', value: 't' }]),
    ]);
  });
});
