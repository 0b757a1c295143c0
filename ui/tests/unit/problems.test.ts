// Every problem of a text at once (lib/problems.ts), and the question before saving a text that does not
// parse (AppState.save).
import { afterEach, describe, expect, it } from 'vitest';
import { mockIPC, clearMocks } from '@tauri-apps/api/mocks';
import { linesInWords, problemsOf } from '../../src/lib/problems';
import { AppState } from '../../src/lib/state.svelte';
import type { Analysis, NodePath, NodeView } from '../../src/lib/types';

afterEach(() => clearMocks());

/** envdesk-core as far as these tests need: `KEY: value` lines do not parse, a space in a value is linted. */
function analysis(text: string): Analysis {
  const lines = text.split('\n');
  const bad = lines.findIndex((l) => /^[A-Z]+:/.test(l));
  if (bad >= 0) return { parse_error: { line: bad + 1, column: 2, message: 'expected `=`' }, lints: [], entries: [], comment_blocks: [] };
  const lints = lines.flatMap((l, i) => (/^[A-Z]+=\S+ \S/.test(l) ? [{ line: i + 1, code: 'whitespace_in_unquoted_value' as const, severity: 'warning' as const, message: 'unquoted whitespace', fix: null }] : []));
  return { parse_error: null, lints, entries: [], comment_blocks: [] };
}

const env: NodePath = { project: 'app', target: 'backend', environment: 'production' };

function view(text: string, revision = 1): NodeView {
  const level = (kind: 'project' | 'target' | 'environment', t: string) => ({ kind, source: kind === 'environment' ? 'production' : kind, text: t, exists: true, revision, updated_at: null, parse_error: null });
  return { path: env, levels: [level('project', ''), level('target', ''), level('environment', text)], view: 1, keys: 0, first: null };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('problemsOf', () => {
  it('finds every broken line past the first, and the lints of the rest, in line order', async () => {
    const asked: string[] = [];
    mockIPC((cmd, args) => {
      const text = (args as { req: { text: string } }).req.text;
      asked.push(text);
      return cmd === 'analyze_text' ? analysis(text) : null;
    });
    const problems = await problemsOf('A=1\nB: 2\nC=x y\nD: 4\n');
    expect(problems).toEqual([
      { line: 2, column: 2, severity: 'error', message: 'expected “=”' },
      { line: 3, column: null, severity: 'warning', message: 'unquoted whitespace' },
      { line: 4, column: 2, severity: 'error', message: 'expected “=”' },
    ]);
    // Each broken line blanked in turn, the other lines keeping their numbers.
    expect(asked).toEqual(['A=1\nB: 2\nC=x y\nD: 4\n', 'A=1\n\nC=x y\nD: 4\n', 'A=1\n\nC=x y\n\n']);
  });

  it('stops when a line stays broken once blank', async () => {
    mockIPC(() => ({ parse_error: { line: 1, column: 1, message: 'bad' }, lints: [], entries: [] }));
    expect(await problemsOf('X\n')).toEqual([{ line: 1, column: 1, severity: 'error', message: 'bad' }]);
  });

  it('says the lines in words', () => {
    expect(linesInWords([3])).toBe('line 3');
    expect(linesInWords([5, 3])).toBe('lines 3 and 5');
    expect(linesInWords([9, 3, 5, 3])).toBe('lines 3, 5 and 9');
  });
});

describe('AppState.save of a text that does not parse', () => {
  function backend() {
    const saves: string[] = [];
    let stored = 'A=1\n';
    let revision = 1;
    mockIPC((cmd, args) => {
      const req = (args as { req?: Record<string, unknown> } | undefined)?.req ?? {};
      if (cmd === 'read_node') return view(stored, revision);
      if (cmd === 'analyze_text') return analysis(req.text as string);
      if (cmd === 'save_level') {
        saves.push(req.text as string);
        stored = req.text as string;
        return { revision: ++revision, conflict: null, schema_problems: [] };
      }
      return cmd === 'list_drafts' ? [] : null;
    });
    return saves;
  }

  async function opened() {
    const app = new AppState();
    await app.select(env);
    expect(app.nodeState.kind).toBe('open');
    return app;
  }

  it('asks, naming the lines and what is left out; keeping on editing saves nothing', async () => {
    const saves = backend();
    const app = await opened();
    app.setText('A=1\nB: 2\nC: 3\n');
    await app.save();
    const d = app.dialog;
    expect(d?.kind).toBe('confirm');
    if (d?.kind !== 'confirm') return;
    expect(d.title).toBe('Save environment level with lines that do not parse?');
    expect(d.message).toContain('Lines 2 and 3 of the environment level (production) do not parse (line 2: expected “=”).');
    expect(d.message).toContain("none of this level's keys are included in the merged result");
    expect([d.confirm, d.cancel, d.focusCancel]).toEqual(['Save anyway', 'Keep editing', true]);
    // The question is asked with the node open (not saving): Keep editing is closing it.
    expect(app.nodeState.kind).toBe('open');
    app.close(d);
    expect(saves).toEqual([]);
    expect(app.dirty).toBe(true);
  });

  it('saves anyway when told', async () => {
    const saves = backend();
    const app = await opened();
    app.setText('A=1\nB: 2\n');
    await app.save();
    const d = app.dialog;
    if (d?.kind !== 'confirm') throw new Error('no question');
    expect(d.message).toContain('Line 2 of the environment level (production) does not parse: expected “=”.');
    await d.run();
    expect(saves).toEqual(['A=1\nB: 2\n']);
    expect(app.dirty).toBe(false);
  });

  it('saves a text that parses without asking', async () => {
    const saves = backend();
    const app = await opened();
    app.setText('A=2\n');
    await app.save();
    await tick();
    expect(app.dialog).toBeNull();
    expect(saves).toEqual(['A=2\n']);
  });
});
