// What the tree shows (issue 13, item 12): projects → targets → environments, narrowed by the filter.
// The filter matches a name (or slug) at every level; a match keeps its ancestors on screen, and
// everything under a matching node stays visible. Targets and environments are loaded lazily, so the
// filter can only search what is loaded: `unsearched` counts the containers whose children it has not
// seen, and `reveal` lists the collapsed ancestors of a loaded match, to be expanded.
import type { NodeInfo, NodePath } from './types';

export interface TreeNode {
  info: NodeInfo;
  path: NodePath;
  /** `project`, `project/target` or `project/target/environment`: unique in the tree. */
  key: string;
  /** Its own name (or slug) matches the filter (always false without a filter). */
  hit: boolean;
  /** Can be expanded (projects and targets). */
  expandable: boolean;
  expanded: boolean;
  /** Asks for the typed confirmation before deleting. */
  nonEmpty: boolean;
  /** The visible children, when expanded; empty otherwise. */
  children: TreeNode[];
}

export interface TreeView {
  nodes: TreeNode[];
  /** The filter, trimmed and lower-cased ('' when none). */
  query: string;
  /** Collapsed projects and targets that hold a loaded match. */
  reveal: NodePath[];
  /** With a filter: projects and targets whose children are not loaded, so not searched. */
  unsearched: NodePath[];
}

export interface TreeData {
  projects: NodeInfo[];
  targets: Record<string, NodeInfo[]>;
  environments: Record<string, NodeInfo[]>;
  expanded: Record<string, boolean>;
}

export function matches(n: NodeInfo, query: string): boolean {
  const q = query.trim().toLowerCase();
  return !q || n.name.toLowerCase().includes(q) || n.slug.toLowerCase().includes(q);
}

/** The tree as shown, given what is loaded and the filter. */
export function visibleTree(data: TreeData, filter: string): TreeView {
  const query = filter.trim().toLowerCase();
  const reveal: NodePath[] = [];
  const unsearched: NodePath[] = [];
  const hitOf = (n: NodeInfo) => !!query && matches(n, query);
  const nodes: TreeNode[] = [];

  for (const p of data.projects) {
    const pp: NodePath = { project: p.slug };
    const pHit = hitOf(p);
    const targets = data.targets[p.slug];
    const shownTargets: TreeNode[] = [];
    for (const t of targets ?? []) {
      const tp: NodePath = { project: p.slug, target: t.slug };
      const tk = `${p.slug}/${t.slug}`;
      const tHit = hitOf(t);
      // Everything under a matching ancestor stays: the filter narrows to branches, not to leaves.
      const keepAll = !query || pHit || tHit;
      const envs = data.environments[tk];
      const shownEnvs: TreeNode[] = (envs ?? [])
        .filter((e) => keepAll || hitOf(e))
        .map((e) => ({
          info: e,
          path: { project: p.slug, target: t.slug, environment: e.slug },
          key: `${tk}/${e.slug}`,
          hit: hitOf(e),
          expandable: false,
          expanded: false,
          nonEmpty: true,
          children: [],
        }));
      if (query && !keepAll && envs === undefined && t.children !== 0) unsearched.push(tp);
      if (!keepAll && shownEnvs.length === 0) continue;
      const expanded = !!data.expanded[tk];
      if (query && !pHit && !tHit && !expanded) reveal.push(tp);
      shownTargets.push({ info: t, path: tp, key: tk, hit: tHit, expandable: true, expanded, nonEmpty: t.children !== 0, children: expanded ? shownEnvs : [] });
    }
    if (query && !pHit && targets === undefined && p.children !== 0) unsearched.push(pp);
    if (query && !pHit && shownTargets.length === 0) continue;
    const expanded = !!data.expanded[p.slug];
    if (query && !pHit && !expanded) reveal.push(pp);
    nodes.push({
      info: p,
      path: pp,
      key: p.slug,
      hit: pHit,
      expandable: true,
      expanded,
      nonEmpty: p.has_secrets !== false || p.children !== 0,
      children: expanded ? shownTargets : [],
    });
  }
  return { nodes, query, reveal, unsearched };
}

/** The part of `name` that matches the filter, to highlight: [before, match, after], or null. */
export function highlight(name: string, query: string): [string, string, string] | null {
  const q = query.trim().toLowerCase();
  if (!q) return null;
  const i = name.toLowerCase().indexOf(q);
  if (i < 0) return null;
  return [name.slice(0, i), name.slice(i, i + q.length), name.slice(i + q.length)];
}
