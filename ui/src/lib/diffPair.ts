// The Diff tab's choices (issue 13, item 7), kept apart from the view so they can be tested: which sources
// a project offers (each once, grouped), which pair opens by default (two environments of one target),
// the pair the user chose (remembered per connection and project in localStorage: slugs only, never a
// value), the key-wise changes as one grouped list, and where the values are in a .env text (to mask them).
import type { Change, DiffSource, NodeInfo, NodePath } from './types';

/** A project with its targets and their environments, as the tree lists them. */
export interface ProjectTree {
  project: string;
  targets: { info: NodeInfo; envs: NodeInfo[] }[];
}

export type SourceGroup = 'environments' | 'targets' | 'levels';

export const groupTitles: Record<SourceGroup, string> = {
  environments: 'Environments (everything each one gets, merged)',
  targets: 'Targets (project and target, merged)',
  levels: 'Levels (one file, as written)',
};

/** One source a side of the diff can show. */
export interface SourceOption {
  /** The source's identity (`sourceId`): the same source is offered once. */
  id: string;
  source: DiffSource;
  group: SourceGroup;
  /** As listed in the picker, e.g. "production (merged)", "target level (backend)". */
  label: string;
  /** Short, for the columns, the groups and the buttons: "production", "target level (backend)". */
  name: string;
  /** The node whose own level a write from the other side goes into (the deepest level of the source). */
  writeTo: NodePath;
  /** That node's name, as the buttons that write into it say it: "set in staging". */
  writeName: string;
  /** The environment's status ('production', …); null for a target or the project. */
  status: string | null;
  /**
   * The environments marked production whose result a write into `writeTo` changes: the environment
   * itself, or every production environment below a target or the project (their names).
   */
  production: string[];
}

/** The path with only the fields it has, in one order: equal sources have equal ids. */
function canonical(p: NodePath): NodePath {
  const out: NodePath = { project: p.project };
  if (p.target) out.target = p.target;
  if (p.target && p.environment) out.environment = p.environment;
  return out;
}

export function sourceId(s: DiffSource): string {
  return s.kind === 'version' ? JSON.stringify({ kind: 'version', path: canonical(s.path), id: s.id }) : JSON.stringify({ kind: s.kind, path: canonical(s.path) });
}

/**
 * Every source of a project, each once: the environments merged, the targets merged, and every level
 * as written. (The project merged is its level, parsed: not offered twice.) With one target the
 * environments are named alone ("production (merged)"); with several, after their target.
 */
export function sourceOptions(tree: ProjectTree): SourceOption[] {
  const envs: SourceOption[] = [];
  const targets: SourceOption[] = [];
  const levels: SourceOption[] = [];
  const many = tree.targets.length > 1;
  const projectPath: NodePath = { project: tree.project };
  const envName = (t: (typeof tree.targets)[number], e: (typeof t.envs)[number]) => (many ? `${t.info.name} › ${e.name}` : e.name);
  const productionOf = (t: (typeof tree.targets)[number]) => t.envs.filter((e) => e.status === 'production').map((e) => envName(t, e));
  const level = (path: NodePath, label: string, writeName: string, status: string | null, production: string[]): SourceOption => {
    const source: DiffSource = { kind: 'level', path };
    return { id: sourceId(source), source, group: 'levels', label, name: label, writeTo: path, writeName, status, production };
  };
  levels.push(level(projectPath, `project level (${tree.project})`, tree.project, null, tree.targets.flatMap(productionOf)));
  for (const t of tree.targets) {
    const tp: NodePath = { project: tree.project, target: t.info.slug };
    const tm: DiffSource = { kind: 'merged', path: tp };
    const below = productionOf(t);
    targets.push({ id: sourceId(tm), source: tm, group: 'targets', label: `${t.info.name} (merged)`, name: `${t.info.name} (merged)`, writeTo: tp, writeName: t.info.name, status: null, production: below });
    levels.push(level(tp, `target level (${t.info.name})`, t.info.name, null, below));
    for (const e of t.envs) {
      const ep: NodePath = { project: tree.project, target: t.info.slug, environment: e.slug };
      const name = envName(t, e);
      const em: DiffSource = { kind: 'merged', path: ep };
      const production = e.status === 'production' ? [name] : [];
      envs.push({ id: sourceId(em), source: em, group: 'environments', label: `${name} (merged)`, name, writeTo: ep, writeName: name, status: e.status, production });
      levels.push(level(ep, `environment level (${name})`, name, e.status, production));
    }
  }
  const seen = new Set<string>();
  return [...envs, ...targets, ...levels].filter((o) => !seen.has(o.id) && (seen.add(o.id), true));
}

export interface Pair {
  a: string;
  b: string;
  /** Why the pair is not two environments, when it is not. */
  note: string | null;
}

/**
 * The pair the Diff tab opens on: two environments of one target — the selected environment against its
 * sibling (production ↔ staging), or the first two of the selected target (or of the project's first
 * target that has two). With one environment: it against its target merged; with none: the project level
 * against the target merged; each time saying why. Null when the project has no target at all.
 */
export function defaultPair(tree: ProjectTree, selected: NodePath): Pair | null {
  const em = (t: string, e: string) => sourceId({ kind: 'merged', path: { project: tree.project, target: t, environment: e } });
  const tm = (t: string) => sourceId({ kind: 'merged', path: { project: tree.project, target: t } });
  const pl = sourceId({ kind: 'level', path: { project: tree.project } });
  const here = tree.targets.find((t) => t.info.slug === selected.target);
  const target = here && here.envs.length > 1 ? here : (tree.targets.find((t) => t.envs.length > 1) ?? here ?? tree.targets[0]);
  if (!target) return null;
  const ts = target.info.slug;
  const envs = target.envs;
  if (envs.length > 1) {
    const first = (target === here && envs.find((e) => e.slug === selected.environment)) || envs[0];
    const other = envs.find((e) => e !== first)!;
    return { a: em(ts, first.slug), b: em(ts, other.slug), note: null };
  }
  if (envs.length === 1) {
    return {
      a: em(ts, envs[0].slug),
      b: tm(ts),
      note: `${target.info.name} has one environment (${envs[0].name}), so it is compared with what the target gives every environment. Add an environment to compare two.`,
    };
  }
  return { a: pl, b: tm(ts), note: `${target.info.name} has no environments yet, so the project level is compared with the target. Add environments to compare them.` };
}

// ── The pair chosen, per connection and project ──

const PAIRS = 'envdesk.diff.pairs';
const SPLIT = 'envdesk.diff.split';

function readJson<T>(key: string, fallback: T): T {
  try {
    const raw = globalThis.localStorage?.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

function writeJson(key: string, value: unknown) {
  try {
    globalThis.localStorage?.setItem(key, JSON.stringify(value));
  } catch {
    /* storage full or off: not remembered */
  }
}

/** The pair chosen last in this project on this connection (source ids: slugs only), if any. */
export function rememberedPair(conn: string, project: string): { a: string; b: string } | null {
  const all = readJson<Record<string, { a: string; b: string }>>(PAIRS, {});
  const p = all[`${conn}/${project}`];
  return p && typeof p.a === 'string' && typeof p.b === 'string' ? { a: p.a, b: p.b } : null;
}

export function rememberPair(conn: string, project: string, a: string, b: string) {
  const all = readJson<Record<string, { a: string; b: string }>>(PAIRS, {});
  all[`${conn}/${project}`] = { a, b };
  writeJson(PAIRS, all);
}

export const SPLIT_MIN = 15;
export const SPLIT_MAX = 85;
export const SPLIT_DEFAULT = 45;

export const clampSplit = (n: number) => Math.round(Math.min(SPLIT_MAX, Math.max(SPLIT_MIN, n)));

/** The share of the key table, in percent of the height below the pickers. */
export function rememberedSplit(): number {
  const n = readJson<number>(SPLIT, SPLIT_DEFAULT);
  return typeof n === 'number' && Number.isFinite(n) ? clampSplit(n) : SPLIT_DEFAULT;
}

export function rememberSplit(n: number) {
  writeJson(SPLIT, clampSplit(n));
}

// ── The key-wise changes as one grouped list ──

export type KeyGroup = 'only-a' | 'only-b' | 'different' | 'same';
export const keyGroups: KeyGroup[] = ['only-a', 'only-b', 'different', 'same'];

export interface KeyRow {
  key: string;
  group: KeyGroup;
  /** The value on each side; null where the key is not set. */
  a: string | null;
  b: string | null;
}

export type ListItem = { kind: 'group'; group: KeyGroup; count: number } | ({ kind: 'key' } & KeyRow);

/** Each key once, in its group; the groups in a fixed order, each in the order the diff gave. */
export function groupChanges(changes: Change[]): Record<KeyGroup, KeyRow[]> {
  const out: Record<KeyGroup, KeyRow[]> = { 'only-a': [], 'only-b': [], different: [], same: [] };
  const seen = new Set<string>();
  for (const c of changes) {
    if (seen.has(c.key)) continue;
    seen.add(c.key);
    if (c.kind === 'removed') out['only-a'].push({ key: c.key, group: 'only-a', a: c.value, b: null });
    else if (c.kind === 'added') out['only-b'].push({ key: c.key, group: 'only-b', a: null, b: c.value });
    else if (c.kind === 'changed') out.different.push({ key: c.key, group: 'different', a: c.old, b: c.new });
    else out.same.push({ key: c.key, group: 'same', a: c.value, b: c.value });
  }
  return out;
}

/** The list as rows: a heading row per group that has keys, then its keys; "same" left out if asked. */
export function listItems(groups: Record<KeyGroup, KeyRow[]>, onlyDifferences: boolean): ListItem[] {
  const out: ListItem[] = [];
  for (const g of keyGroups) {
    if (onlyDifferences && g === 'same') continue;
    const rows = groups[g];
    if (!rows.length) continue;
    out.push({ kind: 'group', group: g, count: rows.length });
    for (const r of rows) out.push({ kind: 'key', ...r });
  }
  return out;
}

/** A group's words, with the names of the two sides: the same words in the summary and the list. */
export function groupTitle(g: KeyGroup, aName: string, bName: string): string {
  return g === 'only-a' ? `only in ${aName}` : g === 'only-b' ? `only in ${bName}` : g === 'different' ? 'different' : 'same';
}

/** Short names for the two sides, told apart when they would read the same. */
export function sideNames(a: SourceOption | undefined, b: SourceOption | undefined): [string, string] {
  const an = a?.name ?? 'left';
  const bn = b?.name ?? 'right';
  if (an !== bn) return [an, bn];
  return [a?.label ?? 'left', b?.label === a?.label ? 'the right side' : (b?.label ?? 'right')];
}

// ── Where the values are in a .env text ──

const ASSIGN = /^([ \t]*)(export[ \t]+)?[A-Za-z_][A-Za-z0-9_.-]*[ \t]*=[ \t]*/;

/**
 * The ranges [from, to) of the values in a .env text: after `KEY=`, a quoted value up to its closing
 * quote (over several lines if it spans them), an unquoted one up to a ` #` comment or the end of the
 * line. A line that does not parse (not a comment, not `KEY=…`) is taken as a value after its first `=`
 * or `:`, or whole; a commented-out assignment is masked after its `=`: what is masked errs towards too
 * much.
 */
const COMMENTED = /^\s*#+\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=/;
export function valueRanges(text: string): [number, number][] {
  const out: [number, number][] = [];
  let pos = 0;
  while (pos < text.length) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = text.length;
    const line = text.slice(pos, eol);
    const trimmed = line.trim();
    const m = ASSIGN.exec(line);
    if (m) {
      const start = pos + m[0].length;
      const q = text[start];
      if (q === '"' || q === "'") {
        let i = start + 1;
        while (i < text.length && text[i] !== q) i += text[i] === '\\' && q === '"' ? 2 : 1;
        const end = Math.min(text.length, i + 1);
        if (end > start) out.push([start, end]);
        const next = text.indexOf('\n', end);
        pos = next < 0 ? text.length : next + 1;
        continue;
      }
      const rest = text.slice(start, eol);
      const comment = rest.search(/[ \t]#/);
      const end = start + (comment >= 0 ? comment : rest.replace(/[ \t]+$/, '').length);
      if (end > start) out.push([start, end]);
    } else if (COMMENTED.test(line)) {
      // A commented-out assignment (`# OLD_TOKEN=sk_live…`) may hold a secret: masked after its `=`.
      const from = pos + line.indexOf('=') + 1;
      const to = pos + line.replace(/[ \t]+$/, '').length;
      if (to > from) out.push([from, to]);
    } else if (trimmed && !trimmed.startsWith('#')) {
      const lead = line.length - line.trimStart().length;
      const sep = line.search(/[=:]/);
      const from = pos + (sep >= 0 ? sep + 1 : lead);
      const to = pos + line.replace(/[ \t]+$/, '').length;
      if (to > from) out.push([from, to]);
    }
    pos = eol + 1;
  }
  return out;
}
