import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, fireEvent, screen, cleanup } from '@testing-library/svelte';
import { mockIPC, clearMocks } from '@tauri-apps/api/mocks';
import Masked from '../../src/components/Masked.svelte';
import TableView from '../../src/components/TableView.svelte';
import MergedTable from '../../src/components/MergedTable.svelte';
import { ipc, IpcError } from '../../src/lib/ipc';
import { app } from '../../src/lib/state.svelte';
import type { Analysis, Merged } from '../../src/lib/types';

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('Masked', () => {
  it('masks until revealed', async () => {
    render(Masked, { value: 'hunter2', label: 'value of PASS' });
    expect(screen.getByTestId('value').textContent).toBe('••••••••');
    await fireEvent.click(screen.getByRole('button', { name: 'Reveal value of PASS' }));
    expect(screen.getByTestId('value').textContent).toBe('hunter2');
  });
});

describe('ipc', () => {
  it('turns a Rust error into a typed error with its code', async () => {
    mockIPC((cmd) => {
      if (cmd === 'unlock') throw { code: 'wrong_key', message: 'That key does not open `app`.' };
    });
    const err = await ipc.unlock({ conn: 'local', project: 'app' }).catch((e) => e);
    expect(err).toBeInstanceOf(IpcError);
    expect(err.code).toBe('wrong_key');
  });

  it('sends the typed request the command expects', async () => {
    const seen: Record<string, unknown>[] = [];
    mockIPC((cmd, args) => {
      seen.push({ cmd, ...(args as object) });
      return { revision: 2, conflict: null, schema_problems: [] };
    });
    await ipc.saveLevel({ conn: 'local', path: { project: 'p' }, text: 'A=1\n', base_revision: 1, base_text: '' });
    expect(seen[0]).toMatchObject({ cmd: 'save_level', req: { conn: 'local', base_revision: 1, base_text: '', text: 'A=1\n' } });
  });
});

describe('TableView', () => {
  const analysis: Analysis = {
    parse_error: null,
    lints: [],
    entries: [{ key: 'DB', value: 'secret', line: 2, comments: ['primary'], tags: ['db'], exported: false, quote: 'none', overridden: false, inline_comment: null, schema: null }],
    comment_blocks: [{ line: 1, lines: ['# primary'] }],
  };

  it('edits through envdesk-core and updates the text', async () => {
    const calls: unknown[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === 'edit_text') return '# primary\nDB=new\n';
    });
    const spy = vi.spyOn(app, 'setText');
    render(TableView, { text: '# primary\nDB=secret\n', analysis });
    expect(screen.getByText('primary')).toBeTruthy();
    expect(screen.getByText('db')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Edit value of DB' }));
    const input = screen.getByRole('textbox', { name: 'Value of DB' });
    await fireEvent.input(input, { target: { value: 'new' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    await vi.waitFor(() => expect(spy).toHaveBeenCalledWith('# primary\nDB=new\n'));
    expect(calls[0]).toMatchObject({ cmd: 'edit_text', args: { req: { edit: { op: 'set', key: 'DB', value: 'new' } } } });
  });

  it('waits for the text to parse', () => {
    render(TableView, { text: 'A: 1', analysis: { parse_error: { line: 1, column: 2, message: 'expected `=`' }, lints: [], entries: [], comment_blocks: [] } });
    expect(screen.getByRole('alert').textContent).toContain('line 1, column 2');
  });
});

/** Answers `merged_rows` from `merged` as the Rust view does (filter on names, window); records each request. */
function rowsFrom(merged: Merged[]) {
  const asked: { offset: number; limit: number; filter: string; live: boolean }[] = [];
  mockIPC((cmd, args) => {
    if (cmd !== 'merged_rows') return null;
    const r = (args as { req: { offset: number; limit: number; filter: string; live: boolean } }).req;
    asked.push(r);
    const all = merged.filter((m) => m.key.toLowerCase().includes(r.filter.toLowerCase()));
    return { total: all.length, all: merged.length, offset: r.offset, rows: all.slice(r.offset, r.offset + Math.min(r.limit, 1000)), live: false };
  });
  return asked;
}
const source = (keys: number) => ({ conn: 'local', view: 1, keys, live: false, edits: 0 });
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('MergedTable', () => {
  it('shows the source level and what a key overrides', async () => {
    const merged: Merged[] = [
      { key: 'LOG', value: 'debug', source: 'target', overrides: [{ level: 'project', value: 'info' }], resolved: null, error: null, description: null, value_type: null, sensitive: null, problems: [] },
      { key: 'URL', value: 'x/${HOST}', source: 'environment', overrides: [], resolved: null, error: 'circular reference: URL → URL', description: null, value_type: null, sensitive: null, problems: [] },
    ];
    rowsFrom(merged);
    render(MergedTable, { source: source(2) });
    await settle();
    await settle();
    const sources = screen.getAllByTestId('source').map((s) => s.textContent);
    expect(sources).toEqual(['target', 'environment']);
    await fireEvent.click(screen.getByRole('button', { name: '1 level' }));
    expect(screen.getByRole('button', { name: 'Reveal project value of LOG' })).toBeTruthy();
    expect(screen.getByText(/circular reference/)).toBeTruthy();
  });

  it('shows what the schema finds: a missing required key, a row that breaks its type, a public value unmasked', async () => {
    const problem = (key: string, message: string) => ({ key, kind: { kind: 'wrong_type' as const, expected: 'port', reason: 'is not a port number (1 to 65535)' }, severity: 'error' as const, message });
    const rows: Merged[] = [
      { key: 'PORT', value: 'abc', source: 'environment', overrides: [], resolved: null, error: null, description: 'Where it listens', value_type: 'port', sensitive: null, problems: [problem('PORT', '`PORT` is not a port number (1 to 65535) (`@type: port`)')] },
      { key: 'LOG_LEVEL', value: 'info', source: 'project', overrides: [], resolved: null, error: null, description: null, value_type: null, sensitive: false, problems: [] },
    ];
    mockIPC((cmd, args) => {
      if (cmd !== 'merged_rows') return null;
      const r = (args as { req: { offset: number } }).req;
      const missing = [{ key: 'DATABASE_URL', kind: { kind: 'missing' as const }, severity: 'error' as const, message: '`DATABASE_URL` is required (by the project level) and not set' }];
      return { total: 2, all: 2, offset: r.offset, rows, live: false, missing, schema_errors: 2, schema_warnings: 0 };
    });
    render(MergedTable, { source: source(2) });
    await settle();
    await settle();
    const summary = screen.getByTestId('schema-summary');
    expect(summary.textContent).toContain('2 errors');
    expect(screen.getByTestId('schema-missing').textContent).toBe('“DATABASE_URL” is required (by the project level) and not set');
    const marks = screen.getAllByTestId('schema-problem');
    expect(marks).toHaveLength(1);
    expect(marks[0].getAttribute('aria-label')).toBe('“PORT” is not a port number (1 to 65535) (“@type: port”)');
    expect(marks[0].closest('tr')?.getAttribute('data-key')).toBe('PORT');
    // `@public`: shown without asking; the others stay masked.
    expect(screen.getByText('info')).toBeTruthy();
    expect(screen.queryByText('abc')).toBeNull();
  });

  it('asks Rust for the rows in view of a long table, and filters there', async () => {
    const merged: Merged[] = Array.from({ length: 5000 }, (_, i) => ({ key: `K${i}`, value: 'v', source: 'project', overrides: [], resolved: null, error: null, description: null, value_type: null, sensitive: null, problems: [] }));
    const asked = rowsFrom(merged);
    render(MergedTable, { source: source(5000) });
    await settle();
    await settle();
    const rows = document.querySelectorAll('[data-testid=merged-table] tbody tr[data-key]');
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(200);
    expect(document.querySelector('[data-testid=merged-table]')!.getAttribute('data-total')).toBe('5000');
    expect(asked).toHaveLength(1);
    expect(asked[0].offset).toBe(0);
    expect(asked[0].limit).toBeLessThan(500);
    await fireEvent.input(screen.getByLabelText('Filter keys'), { target: { value: 'k499' } });
    await settle();
    await settle();
    expect(asked.at(-1)!.filter).toBe('k499');
    expect([...document.querySelectorAll('tbody tr[data-key]')].map((r) => r.getAttribute('data-key'))).toEqual(['K499', 'K4990', 'K4991', 'K4992', 'K4993', 'K4994', 'K4995', 'K4996', 'K4997', 'K4998', 'K4999']);
    expect(document.querySelector('[data-testid=merged-table]')!.getAttribute('data-total')).toBe('11');
  });
});
