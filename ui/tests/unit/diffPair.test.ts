// The Diff tab's choices (issue 13, item 7): every source once, two environments by default (saying why
// when there are not two), the pair remembered by slugs, each key once in its group, where values are.
import { beforeEach, describe, expect, it } from 'vitest';
import {
  clampSplit,
  defaultPair,
  groupChanges,
  groupTitle,
  listItems,
  rememberedPair,
  rememberedSplit,
  rememberPair,
  rememberSplit,
  sourceId,
  sourceOptions,
  valueRanges,
  type ProjectTree,
} from '../../src/lib/diffPair';
import type { Change, NodeInfo } from '../../src/lib/types';

const n = (slug: string, status: string | null = null): NodeInfo => ({ id: slug, slug, name: slug, managed: null, has_secrets: null, children: null, status });
const tree = (...targets: [string, string[]][]): ProjectTree => ({
  project: 'app',
  targets: targets.map(([t, envs]) => ({ info: n(t), envs: envs.map((e) => n(e, e === 'production' ? 'production' : 'development')) })),
});
const merged = (target: string, environment?: string) => sourceId({ kind: 'merged', path: environment ? { project: 'app', target, environment } : { project: 'app', target } });

describe('sourceOptions', () => {
  it('offers every source once, environments first', () => {
    const o = sourceOptions(tree(['backend', ['production', 'staging']]));
    expect(o.map((x) => `${x.group}: ${x.label}`)).toEqual([
      'environments: production (merged)',
      'environments: staging (merged)',
      'targets: backend (merged)',
      'levels: project level (app)',
      'levels: target level (backend)',
      'levels: environment level (production)',
      'levels: environment level (staging)',
    ]);
    expect(new Set(o.map((x) => x.id)).size).toBe(o.length);
    expect(o.find((x) => x.label === 'production (merged)')?.status).toBe('production');
    expect(o.find((x) => x.label === 'production (merged)')?.writeTo).toEqual({ project: 'app', target: 'backend', environment: 'production' });
    // A write into a side goes into its node's own level, named after the node.
    expect(o.map((x) => x.writeName)).toEqual(['production', 'staging', 'backend', 'app', 'backend', 'production', 'staging']);
  });

  it('names environments after their target when there are several targets', () => {
    const o = sourceOptions(tree(['backend', ['production']], ['web', ['production']]));
    expect(o.filter((x) => x.group === 'environments').map((x) => x.label)).toEqual(['backend › production (merged)', 'web › production (merged)']);
  });

  it('gives equal sources equal ids whatever the order or the empty fields', () => {
    expect(sourceId({ kind: 'merged', path: { environment: 'p', target: 't', project: 'a' } })).toBe(sourceId({ kind: 'merged', path: { project: 'a', target: 't', environment: 'p' } }));
    expect(sourceId({ kind: 'level', path: { project: 'a', target: null, environment: null } })).toBe(sourceId({ kind: 'level', path: { project: 'a' } }));
  });
});

describe('defaultPair', () => {
  const t = tree(['backend', ['production', 'staging', 'qa']]);
  it('is the selected environment against its sibling', () => {
    expect(defaultPair(t, { project: 'app', target: 'backend', environment: 'production' })).toEqual({ a: merged('backend', 'production'), b: merged('backend', 'staging'), note: null });
    expect(defaultPair(t, { project: 'app', target: 'backend', environment: 'staging' })).toEqual({ a: merged('backend', 'staging'), b: merged('backend', 'production'), note: null });
  });
  it('is the first two environments from the target or the project', () => {
    const two = { a: merged('backend', 'production'), b: merged('backend', 'staging'), note: null };
    expect(defaultPair(t, { project: 'app', target: 'backend' })).toEqual(two);
    expect(defaultPair(t, { project: 'app' })).toEqual(two);
    // From the project: the first target with two environments.
    expect(defaultPair(tree(['api', ['production']], ['web', ['production', 'staging']]), { project: 'app' })?.a).toBe(merged('web', 'production'));
  });
  it('says why when there is one environment, or none', () => {
    const one = defaultPair(tree(['backend', ['production']]), { project: 'app', target: 'backend', environment: 'production' });
    expect(one?.a).toBe(merged('backend', 'production'));
    expect(one?.b).toBe(merged('backend'));
    expect(one?.note).toMatch(/backend has one environment \(production\)/);
    const none = defaultPair(tree(['backend', []]), { project: 'app' });
    expect(none?.a).toBe(sourceId({ kind: 'level', path: { project: 'app' } }));
    expect(none?.note).toMatch(/no environments yet/);
    expect(defaultPair(tree(), { project: 'app' })).toBeNull();
  });
});

describe('remembered pair and split', () => {
  beforeEach(() => localStorage.clear());
  it('is kept per connection and project, as ids only', () => {
    rememberPair('local', 'app', 'A', 'B');
    rememberPair('local', 'web', 'C', 'D');
    expect(rememberedPair('local', 'app')).toEqual({ a: 'A', b: 'B' });
    expect(rememberedPair('conn-1', 'app')).toBeNull();
    expect(JSON.parse(localStorage.getItem('envdesk.diff.pairs')!)).toEqual({ 'local/app': { a: 'A', b: 'B' }, 'local/web': { a: 'C', b: 'D' } });
  });
  it('survives bad storage and clamps the split', () => {
    localStorage.setItem('envdesk.diff.pairs', '{bad');
    expect(rememberedPair('local', 'app')).toBeNull();
    expect(rememberedSplit()).toBe(45);
    rememberSplit(99);
    expect(rememberedSplit()).toBe(85);
    expect(clampSplit(3)).toBe(15);
  });
});

describe('groupChanges', () => {
  const changes: Change[] = [
    { kind: 'removed', key: 'OLD', value: 'o' },
    { kind: 'changed', key: 'DB', old: 'a', new: 'b' },
    { kind: 'unchanged', key: 'LOG', value: 'x' },
    { kind: 'added', key: 'NEW', value: 'n' },
    { kind: 'added', key: 'NEW', value: 'again' },
  ];
  it('lists each key once, in its group', () => {
    const g = groupChanges(changes);
    expect(g['only-a']).toEqual([{ key: 'OLD', group: 'only-a', a: 'o', b: null }]);
    expect(g['only-b']).toEqual([{ key: 'NEW', group: 'only-b', a: null, b: 'n' }]);
    expect(g.different).toEqual([{ key: 'DB', group: 'different', a: 'a', b: 'b' }]);
    expect(g.same).toEqual([{ key: 'LOG', group: 'same', a: 'x', b: 'x' }]);
    const rows = listItems(g, true).map((i) => (i.kind === 'group' ? `#${i.group} ${i.count}` : i.key));
    expect(rows).toEqual(['#only-a 1', 'OLD', '#only-b 1', 'NEW', '#different 1', 'DB']);
    expect(listItems(g, false).map((i) => (i.kind === 'group' ? `#${i.group}` : i.key)).slice(-2)).toEqual(['#same', 'LOG']);
  });
  it('names the groups after the sides', () => {
    expect(groupTitle('only-a', 'production', 'staging')).toBe('only in production');
    expect(groupTitle('only-b', 'production', 'staging')).toBe('only in staging');
  });
});

describe('valueRanges', () => {
  const values = (text: string) => valueRanges(text).map(([a, b]) => text.slice(a, b));
  it('finds every value, not keys or comments', () => {
    expect(values('# a comment = no\nA=1\nexport B = two words # note\nC=\n  D="x"  # c\n')).toEqual(['1', 'two words', '"x"']);
  });
  it('takes a quoted value over several lines', () => {
    expect(values('K="line one\nline \\" two"\nNEXT=n\n')).toEqual(['"line one\nline \\" two"', 'n']);
    expect(values("S='a\nb'\n")).toEqual(["'a\nb'"]);
  });
  it('masks a commented-out assignment after its =, not other comments', () => {
    expect(values('# OLD_TOKEN=sk_live_123\n#export X = y\n# see https://x?a=b\n# a comment = no\n')).toEqual(['sk_live_123', ' y']);
  });
  it('masks too much rather than too little on a line that does not parse', () => {
    expect(values('OOPS: secret\njust-a-secret\n')).toEqual([' secret', 'just-a-secret']);
  });
});
