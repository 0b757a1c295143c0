// The tree's filter (issue 13, item 12): over every level, keeping the ancestors of a match.
import { describe, expect, it } from 'vitest';
import { visibleTree, highlight, type TreeData, type TreeNode } from '../../src/lib/treeFilter';
import type { NodeInfo } from '../../src/lib/types';

const n = (slug: string, children: number | null = null, extra: Partial<NodeInfo> = {}): NodeInfo =>
  ({ id: slug, slug, name: slug, managed: null, has_secrets: null, children, status: null, ...extra }) as NodeInfo;

const data = (expanded: Record<string, boolean>, loaded = true): TreeData => ({
  projects: [n('app', 1, { has_secrets: true }), n('web', 1)],
  targets: loaded ? { app: [n('backend', 2)], web: [n('frontend', 1)] } : ({} as Record<string, NodeInfo[]>),
  environments: loaded ? { 'app/backend': [n('production'), n('staging')], 'web/frontend': [n('qa')] } : ({} as Record<string, NodeInfo[]>),
  expanded,
});
const all = { app: true, 'app/backend': true, web: true, 'web/frontend': true };

/** The tree as lines, indented by level. */
const lines = (nodes: TreeNode[], depth = 0): string[] => nodes.flatMap((x) => ['  '.repeat(depth) + x.key, ...lines(x.children, depth + 1)]);

describe('visibleTree', () => {
  it('shows everything expanded without a filter', () => {
    const v = visibleTree(data(all), '');
    expect(lines(v.nodes)).toEqual(['app', '  app/backend', '    app/backend/production', '    app/backend/staging', 'web', '  web/frontend', '    web/frontend/qa']);
    expect(v.reveal).toEqual([]);
    expect(v.unsearched).toEqual([]);
  });

  it('matches an environment and keeps its ancestors, not its siblings', () => {
    const v = visibleTree(data(all), ' STAG ');
    expect(lines(v.nodes)).toEqual(['app', '  app/backend', '    app/backend/staging']);
    expect(v.nodes[0].children[0].children[0].hit).toBe(true);
    expect(v.nodes[0].hit).toBe(false);
  });

  it('keeps everything under a matching target or project', () => {
    expect(lines(visibleTree(data(all), 'backend').nodes)).toEqual(['app', '  app/backend', '    app/backend/production', '    app/backend/staging']);
    expect(lines(visibleTree(data(all), 'web').nodes)).toEqual(['web', '  web/frontend', '    web/frontend/qa']);
  });

  it('asks to expand the collapsed ancestors of a loaded match', () => {
    const v = visibleTree(data({}), 'qa');
    expect(lines(v.nodes)).toEqual(['web']);
    expect(v.reveal).toEqual([{ project: 'web', target: 'frontend' }, { project: 'web' }]);
  });

  it('does not expand a project that matches by its own name', () => {
    expect(visibleTree(data({}), 'app').reveal).toEqual([]);
  });

  it('says what it could not search, and finds nothing there', () => {
    const v = visibleTree(data({}, false), 'qa');
    expect(v.nodes).toEqual([]);
    expect(v.unsearched).toEqual([{ project: 'app' }, { project: 'web' }]);
    // A matching project hides nothing below it; an empty one has nothing to search.
    expect(visibleTree(data({}, false), 'app').unsearched).toEqual([{ project: 'web' }]);
    expect(visibleTree({ ...data({}, false), projects: [n('empty', 0)] }, 'qa').unsearched).toEqual([]);
  });

  it('asks for the typed confirmation as the ✕ button did', () => {
    const v = visibleTree(data(all), '');
    expect(v.nodes.map((p) => p.nonEmpty)).toEqual([true, true]);
    expect(v.nodes[0].children[0].nonEmpty).toBe(true);
    expect(visibleTree({ ...data({}), projects: [n('new', 0, { has_secrets: false })] }, '').nodes[0].nonEmpty).toBe(false);
  });
});

describe('highlight', () => {
  it('splits the name around the match, ignoring case', () => {
    expect(highlight('Production', 'DUC')).toEqual(['Pro', 'duc', 'tion']);
    expect(highlight('staging', 'x')).toBeNull();
    expect(highlight('staging', '')).toBeNull();
  });
});
