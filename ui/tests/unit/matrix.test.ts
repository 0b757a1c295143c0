import { describe, expect, it } from 'vitest';
import { cellsOf, columnPath, filterRows, groupsOf, leftOf, type MatrixColumn, type MatrixRow } from '../../src/lib/matrix';

const col = (kind: MatrixColumn['kind'], name: string, target: string | null = null, environment: string | null = null): MatrixColumn => ({
  kind,
  target,
  environment,
  name,
  parse_error: null,
  above_unreadable: false,
});
const columns = [col('project', 'App'), col('target', 'API', 'api'), col('environment', 'dev', 'api', 'dev'), col('environment', 'prod', 'api', 'prod'), col('target', 'Worker', 'worker')];
const row = (key: string, cells: string, lines: number[], missing = false, differs = false, problems: MatrixRow['problems'] = []): MatrixRow => ({ key, cells, lines, missing, differs, problems });

describe('key matrix', () => {
  it('reads two characters per cell and the lines of set cells in order', () => {
    const cells = cellsOf(row('DB', 'S-P-S-S~M-', [1, 4, 7]));
    expect(cells).toEqual([
      { state: 'set', comparison: null, line: 1, problems: [] },
      { state: 'from-project', comparison: null, line: null, problems: [] },
      { state: 'set', comparison: null, line: 4, problems: [] },
      { state: 'set', comparison: 'different', line: 7, problems: [] },
      { state: 'missing', comparison: null, line: null, problems: [] },
    ]);
    expect(cellsOf(row('X', '.-T=A-', [])).map((c) => [c.state, c.comparison])).toEqual([
      ['not-set', null],
      ['from-target', 'same'],
      ['absent', null],
    ]);
  });

  it('filters by missing, differing and the key name, together', () => {
    const rows = [row('DB_URL', 'S-', [1], true, false), row('LOG', 'S-', [1], false, true), row('DB_POOL', 'S-', [1], true, true)];
    expect(filterRows(rows, { missing: false, differs: false, q: '' })).toBe(rows);
    expect(filterRows(rows, { missing: true, differs: false, q: '' }).map((r) => r.key)).toEqual(['DB_URL', 'DB_POOL']);
    expect(filterRows(rows, { missing: true, differs: true, q: '' }).map((r) => r.key)).toEqual(['DB_POOL']);
    expect(filterRows(rows, { missing: false, differs: false, q: ' db' }).map((r) => r.key)).toEqual(['DB_URL', 'DB_POOL']);
  });

  it('groups columns by target and names each cell’s node', () => {
    expect(groupsOf(columns)).toEqual([
      { name: 'App', kind: 'project', span: 1 },
      { name: 'API', kind: 'target', span: 3 },
      { name: 'Worker', kind: 'target', span: 1 },
    ]);
    expect(columnPath('app', columns[0])).toEqual({ project: 'app' });
    expect(columnPath('app', columns[1])).toEqual({ project: 'app', target: 'api' });
    expect(columnPath('app', columns[3])).toEqual({ project: 'app', target: 'api', environment: 'prod' });
    expect(leftOf(columns, 3)?.name).toBe('dev');
    expect(leftOf(columns, 2)).toBeNull();
    expect(leftOf(columns, 1)).toBeNull();
  });

  it('puts the schema problems in their cells, errors first, and filters on them', () => {
    const problems: MatrixRow['problems'] = [
      { column: 3, severity: 'warning', message: '`PORT` expires in 3 days (2026-12-05)' },
      { column: 3, severity: 'error', message: '`PORT` is not a port number (1 to 65535) (`@type: port`)' },
      { column: 2, severity: 'error', message: '`PORT` is required (by the project level) and not set' },
    ];
    const cells = cellsOf(row('PORT', 'S-.-M-S-', [1, 2], true, false, problems));
    expect(cells.map((c) => c.problems.map((p) => p.severity))).toEqual([[], [], ['error'], ['error', 'warning']]);
    const rows = [row('PORT', 'S-.-M-S-', [1, 2], true, false, problems), row('LOG', 'S-.-P-P=', [1])];
    expect(filterRows(rows, { missing: false, differs: false, q: '', schema: true }).map((r) => r.key)).toEqual(['PORT']);
    expect(filterRows(rows, { missing: false, differs: false, q: 'log', schema: true })).toEqual([]);
  });
});

