// The key matrix of a project (issue 14), as the Rust side computes it (crates/core/src/matrix.rs): the
// answer names keys and levels and holds no value. Each row's `cells` has two characters per column: the
// state, then the comparison with the environment to the left. This module reads them and filters rows.
import type { CellProblem, KeyMatrix, MatrixColumn, MatrixRow, NodePath } from './bindings';

export type { CellProblem, KeyMatrix, MatrixColumn, MatrixRow };

/** Where a key stands at one level. */
export type CellState = 'set' | 'from-project' | 'from-target' | 'missing' | 'absent' | 'not-set';

/** How an environment's value compares with the environment to its left (`null`: not compared). */
export type Comparison = 'same' | 'different' | null;

export interface Cell {
  state: CellState;
  comparison: Comparison;
  /** The line of the key's assignment at this level (set cells). */
  line: number | null;
  /** What the schema says of the key in this environment (issue 16): errors, then warnings. */
  problems: CellProblem[];
}

const STATES: Record<string, CellState> = {
  S: 'set',
  P: 'from-project',
  T: 'from-target',
  M: 'missing',
  A: 'absent',
  '.': 'not-set',
};

/** The cells of a row, one per column. */
export function cellsOf(row: MatrixRow): Cell[] {
  const out: Cell[] = [];
  let set = 0;
  for (let i = 0; i + 1 < row.cells.length; i += 2) {
    const state = STATES[row.cells[i]] ?? 'not-set';
    const c = row.cells[i + 1];
    const column = i / 2;
    const problems = row.problems.filter((p) => p.column === column).sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
    out.push({ state, comparison: c === '=' ? 'same' : c === '~' ? 'different' : null, line: state === 'set' ? (row.lines[set++] ?? null) : null, problems });
  }
  return out;
}

/** Whether a cell has a value to reveal. */
export function hasValue(state: CellState): boolean {
  return state === 'set' || state === 'from-project' || state === 'from-target';
}

/** The node of a column (its level is the node's deepest). */
export function columnPath(project: string, c: MatrixColumn): NodePath {
  if (c.kind === 'project') return { project };
  if (c.kind === 'target') return { project, target: c.target };
  return { project, target: c.target, environment: c.environment };
}

/** The words a cell shows (its state in text, never only in colour). */
export function cellWords(state: CellState): string {
  switch (state) {
    case 'set':
      return 'set';
    case 'from-project':
      return '↑ project';
    case 'from-target':
      return '↑ target';
    case 'missing':
      return 'missing';
    case 'absent':
      return 'absent';
    case 'not-set':
      return '—';
  }
}

/** A cell's state in a sentence, for its accessible name and tooltip. */
export function cellSentence(state: CellState): string {
  switch (state) {
    case 'set':
      return 'set here';
    case 'from-project':
      return 'inherited from the project level';
    case 'from-target':
      return 'inherited from the target level';
    case 'missing':
      return 'missing';
    case 'absent':
      return 'absent on purpose (marked with @absent)';
    case 'not-set':
      return 'not set at this level';
  }
}

export interface Filters {
  /** Only keys missing from some environment. */
  missing: boolean;
  /** Only keys whose value differs between neighbouring environments. */
  differs: boolean;
  /** Text in the key's name (case-insensitive). */
  q: string;
  /** Only keys that break the schema in some environment (errors or warnings). */
  schema?: boolean;
}

export function filterRows(rows: MatrixRow[], f: Filters): MatrixRow[] {
  const q = f.q.trim().toLowerCase();
  if (!f.missing && !f.differs && !q && !f.schema) return rows;
  return rows.filter((r) => (!f.missing || r.missing) && (!f.differs || r.differs) && (!f.schema || r.problems.length > 0) && (!q || r.key.toLowerCase().includes(q)));
}

/** A header group: the project's column, or a target's columns (its own level and its environments). */
export interface Group {
  name: string;
  kind: 'project' | 'target';
  span: number;
}

export function groupsOf(columns: MatrixColumn[]): Group[] {
  const out: Group[] = [];
  for (const c of columns) {
    if (c.kind === 'project') out.push({ name: c.name, kind: 'project', span: 1 });
    else if (c.kind === 'target') out.push({ name: c.name, kind: 'target', span: 1 });
    else if (out.length) out[out.length - 1].span++;
  }
  return out;
}

/** The column to the left that an environment is compared with (the previous environment of its target). */
export function leftOf(columns: MatrixColumn[], i: number): MatrixColumn | null {
  const prev = columns[i - 1];
  return columns[i]?.kind === 'environment' && prev?.kind === 'environment' ? prev : null;
}
