// The node state machine of AppState and the one helper that drops stale answers.
import { afterEach, describe, expect, it } from 'vitest';
import { mockIPC, clearMocks } from '@tauri-apps/api/mocks';
import { AppState } from '../../src/lib/state.svelte';
import { Generation, request, STALE } from '../../src/lib/request';
import type { NodePath, NodeView } from '../../src/lib/types';

afterEach(() => clearMocks());

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const env: NodePath = { project: 'app', target: 'backend', environment: 'production' };
const other: NodePath = { project: 'app', target: 'backend', environment: 'staging' };

function view(path: NodePath, text: string, revision = 1): NodeView {
  const level = (kind: 'project' | 'target' | 'environment', t: string) => ({ kind, source: kind, text: t, exists: true, revision, updated_at: null, parse_error: null });
  return { path, levels: [level('project', ''), level('target', ''), level('environment', text)], view: 1, keys: 0, first: null };
}

type Handler = (req: Record<string, unknown>) => unknown;

/** Answers IPC commands from `handlers` (a missing one answers null); records each command. */
function backend(handlers: Record<string, Handler>) {
  const calls: string[] = [];
  mockIPC((cmd, args) => {
    calls.push(cmd);
    const req = ((args as { req?: Record<string, unknown> } | undefined)?.req ?? {}) as Record<string, unknown>;
    return handlers[cmd]?.(req) ?? (cmd === 'list_drafts' ? [] : null);
  });
  return calls;
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('request', () => {
  it('gives the answer while the subject is unchanged, STALE once it changed', async () => {
    let subject = 1;
    const a = deferred<string>();
    const asked = request(() => [subject], () => a.promise);
    subject = 2;
    a.resolve('old');
    expect(await asked).toBe(STALE);
    expect(await request(() => [subject], async () => 'new')).toBe('new');
  });

  it('drops a stale error and throws a current one', async () => {
    const g = new Generation();
    const a = deferred<string>();
    const asked = g.request(() => a.promise);
    g.advance();
    a.reject(new Error('about the old one'));
    expect(await asked).toBe(STALE);
    await expect(g.request(() => Promise.reject(new Error('now')))).rejects.toThrow('now');
  });

  it('keeps only the latest of its kind', async () => {
    const g = new Generation();
    const first = deferred<number>();
    const a = g.latest(() => first.promise);
    const b = g.latest(async () => 2);
    first.resolve(1);
    expect(await a).toBe(STALE);
    expect(await b).toBe(2);
  });
});

describe('AppState: the open node', () => {
  it('loads, edits, saves: loading → open → saving → open', async () => {
    const read = deferred<NodeView>();
    const saved = deferred<{ revision: number; conflict: null; schema_problems: never[] }>();
    let stored = 'A=1\n';
    backend({ read_node: (r) => (stored === 'A=1\n' ? read.promise : view(r.path as NodePath, stored, 2)), save_level: () => saved.promise });
    const app = new AppState();
    const opening = app.select(env);
    await tick(); // select keeps the drafts of the node before first
    expect(app.nodeState.kind).toBe('loading');
    expect(app.selected).toEqual(env);
    expect(app.node).toBeNull();
    read.resolve(view(env, 'A=1\n'));
    await opening;
    expect(app.nodeState.kind).toBe('open');
    expect(app.levelIndex).toBe(2);
    expect(app.currentText).toBe('A=1\n');
    expect(app.canSave).toBe(false);

    app.setText('A=2\n');
    expect(app.dirty && app.canSave).toBe(true);
    expect(app.anyDirty()).toBe(true);
    app.setText('A=1\n');
    expect(app.dirty).toBe(false);
    app.setText('A=2\n');

    const saving = app.save();
    expect(app.nodeState.kind).toBe('saving');
    expect(app.node).not.toBeNull();
    expect(app.canSave).toBe(false);
    stored = 'A=2\n';
    saved.resolve({ revision: 2, conflict: null, schema_problems: [] });
    await saving;
    expect(app.nodeState.kind).toBe('open');
    expect(app.dirty).toBe(false);
    expect(app.currentLevel?.revision).toBe(2);
    expect(app.toasts.map((t) => t.text)).toContain('Saved environment level (revision 2).');
  });

  it('drops the answer for a node no longer selected', async () => {
    const first = deferred<NodeView>();
    backend({ read_node: (r) => ((r.path as NodePath).environment === 'production' ? first.promise : view(r.path as NodePath, 'B=1\n')) });
    const app = new AppState();
    const a = app.select(env);
    await tick();
    await app.select(other);
    first.resolve(view(env, 'A=1\n'));
    await a;
    expect(app.selected).toEqual(other);
    expect(app.currentText).toBe('B=1\n');
  });

  it('a lock while loading wins over the read that was under way', async () => {
    const read = deferred<NodeView>();
    backend({ read_node: () => read.promise });
    const app = new AppState();
    const opening = app.select(env);
    await tick();
    app.onLocked();
    read.resolve(view(env, 'SECRET=1\n'));
    await opening;
    expect(app.nodeState.kind).toBe('locked');
    expect(app.node).toBeNull();
  });

  it('a locked project: locked, the unlock dialog; after the unlock it opens', async () => {
    let locked = true;
    backend({
      unlock: () => {
        if (locked) throw { code: 'key_needed', message: 'The key is not on this computer.' };
        return { managed: 'client', unlocked: true, key_version: 1 };
      },
      // As the Rust side: a locked project's node is not read.
      read_node: (r) => {
        if (locked) throw { code: 'locked', message: 'The project `app` is locked; unlock it first.' };
        return view(r.path as NodePath, 'A=1\n');
      },
    });
    const app = new AppState();
    await app.select(env);
    expect(app.nodeState.kind).toBe('locked');
    expect(app.dialog).toMatchObject({ kind: 'unlock', project: 'app' });
    locked = false;
    await app.load();
    expect(app.nodeState.kind).toBe('open');
  });

  it('reading the open node again after an unlock keeps its edits', async () => {
    backend({ read_node: (r) => view(r.path as NodePath, 'A=1\n') });
    const app = new AppState();
    await app.select(env);
    app.setText('A=mine\n');
    const reading = app.load();
    expect(app.nodeState.kind).toBe('reading');
    expect(app.canSave).toBe(false);
    await reading;
    expect(app.nodeState.kind).toBe('open');
    expect(app.currentText).toBe('A=mine\n');
  });

  it('brings another level\'s text from the view before showing it, and keeps an edited level\'s base across a save', async () => {
    const stored: Record<string, string> = { project: 'P=1\n', target: 'T=1\n', environment: 'A=1\n' };
    let views = 0;
    const calls = backend({
      // As the Rust side: the text of one level only (`text_of`, else the deepest).
      read_node: (r) => {
        const v = view(r.path as NodePath, stored.environment);
        const want = (r.text_of as string | null) ?? 'environment';
        return { ...v, view: ++views, levels: v.levels.map((l) => ({ ...l, text: l.kind === want ? stored[l.kind] : null })) };
      },
      level_text: (r) => stored[r.level as string],
      save_level: (r) => {
        stored.environment = r.text as string;
        return { revision: 2, conflict: null, schema_problems: [] };
      },
    });
    const app = new AppState();
    await app.select(env);
    expect(app.node!.levels.map((l) => l.text)).toEqual([null, null, 'A=1\n']);
    await app.chooseLevel(1);
    expect(calls.filter((c) => c === 'level_text')).toHaveLength(1);
    expect(app.currentLevel?.kind).toBe('target');
    expect(app.currentText).toBe('T=1\n');
    app.setText('T=mine\n');
    await app.chooseLevel(2);
    app.setText('A=2\n');
    // Someone changes the target level meanwhile: the edited target keeps the base it was edited on.
    stored.target = 'T=theirs\n';
    await app.save();
    // Read again (a new view) on the environment level; the edited target level keeps its saved text.
    expect(app.nodeState.kind).toBe('open');
    expect(app.node!.view).toBe(2);
    expect(app.node!.levels[1].text).toBe('T=1\n');
    expect(app.edited(1)).toBe(true);
    expect(app.node!.levels[0].text).toBe(null);
  });

  it('a conflict goes back to open with the edits and opens the conflict dialog', async () => {
    const conflict = { theirs_revision: 2, theirs_text: 'A=theirs\n', merge: { text: 'A=mine\n', conflicts: [], auto_merged: true } };
    backend({ read_node: (r) => view(r.path as NodePath, 'A=1\n'), save_level: () => ({ revision: null, conflict, schema_problems: [] }) });
    const app = new AppState();
    await app.select(env);
    app.setText('A=mine\n');
    await app.save();
    expect(app.nodeState.kind).toBe('open');
    expect(app.dirty).toBe(true);
    expect(app.dialog).toMatchObject({ kind: 'conflict', levelIndex: 2 });
  });
});

describe('AppState: the tree', () => {
  it('refreshChildren expands a node and lists its children again', async () => {
    let envs = [{ id: 'E1', slug: 'production', name: 'production', managed: null, has_secrets: null, children: null, status: null }];
    const calls = backend({ list_environments: () => envs });
    const app = new AppState();
    await app.refreshChildren({ project: 'app', target: 'backend' });
    expect(app.expanded['app/backend']).toBe(true);
    expect(app.environments['app/backend'].map((e) => e.slug)).toEqual(['production']);
    envs = [...envs, { ...envs[0], id: 'E2', slug: 'staging', name: 'staging' }];
    await app.refreshChildren({ project: 'app', target: 'backend' });
    expect(app.environments['app/backend'].map((e) => e.slug)).toEqual(['production', 'staging']);
    await app.toggle({ project: 'app', target: 'backend' });
    expect(app.expanded['app/backend']).toBe(false);
    expect(calls.filter((c) => c === 'list_environments').length).toBe(2);
  });

  it('drops the tree of a connection no longer current', async () => {
    const old = deferred<unknown[]>();
    backend({ list_projects: (r) => (r.conn === 'local' ? old.promise : [{ id: 'P', slug: 'team', name: 'team', managed: 'server', has_secrets: true, children: 0, status: null }]) });
    const app = new AppState();
    const first = app.refreshTree();
    await app.switchConnection('conn-1');
    old.resolve([{ id: 'L', slug: 'local-app', name: 'local-app', managed: 'client', has_secrets: true, children: 0, status: null }]);
    await first;
    expect(app.projects.map((p) => p.slug)).toEqual(['team']);
  });
});
