// The UI's state (Svelte 5 runes). Decrypted text lives only here and is dropped on lock.
import { tick } from 'svelte';
import { ipc, IpcError, pathKey, revisionLabel } from './ipc';
import { remedy } from './errors';
import type * as T from './types';

export interface Toast {
  id: number;
  kind: 'error' | 'info' | 'success';
  text: string;
}

export type Tab = 'levels' | 'merged' | 'diff' | 'history';

export type Dialog =
  | { kind: 'new-project'; importAfter?: boolean }
  | { kind: 'new-child'; parent: T.NodePath }
  | { kind: 'rename'; path: T.NodePath; name: string }
  | { kind: 'delete'; path: T.NodePath; nonEmpty: boolean }
  | { kind: 'key-backup'; project: string; key: string }
  | { kind: 'unlock'; project: string; message?: string }
  | { kind: 'import' }
  | { kind: 'export' }
  | { kind: 'settings' }
  | { kind: 'connections' }
  | { kind: 'conflict'; conflict: T.Conflict; levelIndex: number }
  | { kind: 'draft'; path: T.NodePath; text: string; baseRevision: number | null }
  | { kind: 'purge' }
  | { kind: 'rotate'; project: string }
  | { kind: 'confirm'; title: string; message: string; confirm: string; danger?: boolean; run: () => Promise<void> };

class AppState {
  connections = $state<T.Connection[]>([]);
  conn = $state('local');
  projects = $state<T.NodeInfo[]>([]);
  /** Why the tree of the current connection could not be read (shown in place of the empty state). */
  treeError = $state<IpcError | null>(null);
  targets = $state<Record<string, T.NodeInfo[]>>({});
  environments = $state<Record<string, T.NodeInfo[]>>({});
  expanded = $state<Record<string, boolean>>({});
  filter = $state('');
  selected = $state<T.NodePath | null>(null);
  /** Replaced whole, never mutated: raw, so 5,000-key nodes are not wrapped in proxies. */
  node = $state.raw<T.NodeView | null>(null);
  levelIndex = $state(0);
  /** Edited text per level index of the selected node. */
  edits = $state<Record<number, string>>({});
  tab = $state<Tab>('levels');
  settings = $state<T.Settings>({ theme: 'system', auto_lock_minutes: 15, clipboard_clear_seconds: 30, default_export_format: 'env' });
  drafts = $state<T.DraftInfo[]>([]);
  toasts = $state<Toast[]>([]);
  dialog = $state<Dialog | null>(null);
  busy = $state(false);
  loaded = $state(false);
  savedAt = $state<string | null>(null);
  private toastId = 0;

  get currentLevel(): T.Level | null {
    return this.node?.levels[this.levelIndex] ?? null;
  }

  get currentText(): string {
    const l = this.currentLevel;
    if (!l) return '';
    return this.edits[this.levelIndex] ?? l.text;
  }

  get dirty(): boolean {
    const l = this.currentLevel;
    return !!l && this.edits[this.levelIndex] !== undefined && this.edits[this.levelIndex] !== l.text;
  }

  anyDirty(): boolean {
    if (!this.node) return false;
    return this.node.levels.some((l, i) => this.edits[i] !== undefined && this.edits[i] !== l.text);
  }

  /** Asks in an in-app dialog; `run` happens on confirmation. */
  ask(title: string, message: string, confirm: string, run: () => Promise<void>, danger = false) {
    this.dialog = { kind: 'confirm', title, message, confirm, run, danger };
  }

  toast(kind: Toast['kind'], text: string) {
    const id = ++this.toastId;
    this.toasts = [...this.toasts, { id, kind, text }];
    setTimeout(() => (this.toasts = this.toasts.filter((t) => t.id !== id)), kind === 'error' ? 9000 : 4000);
  }

  /** Shows an error as a message a person can act on; opens the unlock dialog for key errors. */
  fail(e: unknown, project?: string) {
    const err = e instanceof IpcError ? e : new IpcError('internal', String(e));
    switch (remedy(err.code)) {
      case 'unlock':
        if (project) {
          this.dialog = { kind: 'unlock', project, message: err.code === 'locked' ? undefined : err.message };
          return;
        }
        break;
      case 'silent':
        return;
      case 'conflict':
      case 'show':
        break;
    }
    this.toast('error', err.message);
  }

  async init() {
    try {
      const [connections, settings] = await Promise.all([ipc.listConnections(), ipc.getSettings(), this.refreshTree()]);
      this.connections = connections;
      this.settings = settings;
      applyTheme(settings.theme);
    } catch (e) {
      this.fail(e);
    } finally {
      this.loaded = true;
    }
    // The tree is on screen: show the window (it starts hidden, so it never flashes blank).
    // bench/app-perf.mjs measures launch to interactive up to this point.
    await tick();
    performance.mark('envdesk:interactive');
    void ipc.uiReady().catch(() => {});
    await this.refreshDrafts(true);
  }

  async switchConnection(id: string) {
    await this.keepDrafts();
    this.conn = id;
    this.clearSelection();
    this.targets = {};
    this.environments = {};
    this.expanded = {};
    await this.refreshTree();
    await this.refreshDrafts(true);
  }

  clearSelection() {
    this.selected = null;
    this.node = null;
    this.edits = {};
  }

  async refreshTree() {
    try {
      this.projects = await ipc.listProjects({ conn: this.conn });
      this.treeError = null;
      for (const key of Object.keys(this.expanded)) {
        if (!this.expanded[key]) continue;
        const [p, t] = key.split('/');
        if (t) this.environments[key] = await ipc.listEnvironments({ conn: this.conn, project: p, target: t });
        else this.targets[p] = await ipc.listTargets({ conn: this.conn, project: p });
      }
    } catch (e) {
      this.projects = [];
      // Shown in place of the tree's empty state (Workspace), not as a passing toast.
      this.treeError = e instanceof IpcError ? e : new IpcError('internal', String(e));
    }
  }

  async refreshDrafts(offer = false) {
    try {
      this.drafts = await ipc.listDrafts({ conn: this.conn });
      if (offer && this.drafts.length > 0 && !this.dialog) {
        const d = this.drafts[0];
        try {
          await ipc.unlock({ conn: this.conn, project: d.path.project });
          const draft = await ipc.getDraft({ conn: this.conn, path: d.path });
          if (draft) this.dialog = { kind: 'draft', path: d.path, text: draft.text, baseRevision: draft.base_revision };
        } catch (e) {
          this.fail(e, d.path.project);
        }
      }
    } catch {
      this.drafts = [];
    }
  }

  hasDraft(p: T.NodePath): boolean {
    return this.drafts.some((d) => pathKey(d.path) === pathKey(p));
  }

  async toggle(path: T.NodePath) {
    const key = path.target ? `${path.project}/${path.target}` : path.project;
    this.expanded[key] = !this.expanded[key];
    if (!this.expanded[key]) return;
    try {
      if (path.target) this.environments[key] = await ipc.listEnvironments({ conn: this.conn, project: path.project, target: path.target });
      else this.targets[path.project] = await ipc.listTargets({ conn: this.conn, project: path.project });
    } catch (e) {
      this.fail(e);
    }
  }

  /** Keeps every unsaved level of the open node as an encrypted draft. */
  async keepDrafts() {
    if (!this.node) return;
    for (const [i, l] of this.node.levels.entries()) {
      const text = this.edits[i];
      if (text !== undefined && text !== l.text) {
        try {
          await ipc.saveDraft({ conn: this.conn, path: levelPath(this.node.path, l.kind), text, base_revision: l.revision });
        } catch {
          /* the project may be locked already */
        }
      }
    }
    await this.refreshDrafts();
  }

  async select(path: T.NodePath, offerDrafts = true) {
    await this.keepDrafts();
    this.selected = path;
    this.node = null;
    this.edits = {};
    await this.load(offerDrafts);
  }

  /** Opens the node of a draft with the draft's text in its level's editor. */
  async restoreDraft(path: T.NodePath, text: string) {
    this.dialog = null;
    await this.select(path, false);
    const i = this.node?.levels.length ? this.node.levels.length - 1 : 0;
    this.levelIndex = i;
    this.tab = 'levels';
    this.setText(text);
  }

  async load(offerDrafts = true) {
    const path = this.selected;
    if (!path) return;
    this.busy = true;
    try {
      await ipc.unlock({ conn: this.conn, project: path.project });
      const node = await ipc.readNode({ conn: this.conn, path });
      if (this.selected !== path) return;
      this.node = node;
      this.levelIndex = node.levels.length - 1;
      // Offer back drafts of this node's levels.
      for (const [i, l] of offerDrafts ? node.levels.entries() : []) {
        const lp = levelPath(path, l.kind);
        if (this.hasDraft(lp)) {
          const d = await ipc.getDraft({ conn: this.conn, path: lp });
          if (d && d.text !== l.text) this.dialog = { kind: 'draft', path: lp, text: d.text, baseRevision: d.base_revision };
          this.levelIndex = i;
        }
      }
    } catch (e) {
      this.fail(e, path.project);
    } finally {
      this.busy = false;
    }
  }

  setText(text: string) {
    const { [this.levelIndex]: _, ...rest } = this.edits;
    // Back to the saved text: no longer an edit.
    this.edits = text === this.currentLevel?.text ? rest : { ...rest, [this.levelIndex]: text };
  }

  async save() {
    const level = this.currentLevel;
    const node = this.node;
    if (!level || !node || !this.dirty || this.busy) return;
    const path = levelPath(node.path, level.kind);
    const text = this.currentText;
    this.busy = true;
    try {
      const r = await ipc.saveLevel({ conn: this.conn, path, text, base_revision: level.revision, base_text: level.text });
      if (r.conflict) {
        this.dialog = { kind: 'conflict', conflict: r.conflict, levelIndex: this.levelIndex };
        return;
      }
      const idx = this.levelIndex;
      await this.reload();
      const { [idx]: _, ...rest } = this.edits;
      this.edits = rest;
      this.savedAt = new Date().toLocaleTimeString();
      this.toast('success', `Saved ${level.kind} level (${revisionLabel(r.revision)}).`);
      await this.refreshDrafts();
    } catch (e) {
      this.fail(e, path.project);
      await this.refreshDrafts();
    } finally {
      this.busy = false;
    }
  }

  /** Saves the resolved text of a conflict on top of the revision that won. */
  async saveResolved(text: string, conflict: T.Conflict, levelIndex: number) {
    const node = this.node;
    if (!node) return;
    const level = node.levels[levelIndex];
    const path = levelPath(node.path, level.kind);
    try {
      const r = await ipc.saveLevel({ conn: this.conn, path, text, base_revision: conflict.theirs_revision, base_text: conflict.theirs_text });
      if (r.conflict) {
        this.dialog = { kind: 'conflict', conflict: r.conflict, levelIndex };
        return;
      }
      this.dialog = null;
      const { [levelIndex]: _, ...rest } = this.edits;
      this.edits = rest;
      await this.reload();
      this.toast('success', `Merged and saved (${revisionLabel(r.revision)}).`);
      await this.refreshDrafts();
    } catch (e) {
      this.fail(e, path.project);
    }
  }

  async reload() {
    if (!this.selected) return;
    try {
      const idx = this.levelIndex;
      this.node = await ipc.readNode({ conn: this.conn, path: this.selected });
      this.levelIndex = Math.min(idx, this.node.levels.length - 1);
    } catch (e) {
      this.fail(e, this.selected.project);
    }
  }

  /** Lock now: keys dropped in Rust, decrypted text dropped here (unsaved text kept as drafts). */
  async lock() {
    await this.keepDrafts();
    await ipc.lockAll();
    this.onLocked();
  }

  onLocked() {
    this.node = null;
    this.edits = {};
    if (this.dialog && ['conflict', 'draft', 'key-backup', 'import'].includes(this.dialog.kind)) this.dialog = null;
    this.toast('info', 'Locked. Select a node to unlock it again.');
  }
}

export function levelPath(path: T.NodePath, kind: T.LevelKind): T.NodePath {
  if (kind === 'project') return { project: path.project };
  if (kind === 'target') return { project: path.project, target: path.target };
  return path;
}

export function applyTheme(theme: T.Settings['theme']) {
  const dark = theme === 'dark' || (theme === 'system' && window.matchMedia?.('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

let clipboardTimer: ReturnType<typeof setTimeout> | undefined;

/** Copies a value and clears the clipboard after the configured time. */
export async function copyValue(value: string, seconds: number): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(value);
  } catch {
    return false;
  }
  if (clipboardTimer) clearTimeout(clipboardTimer);
  if (seconds > 0) clipboardTimer = setTimeout(() => void navigator.clipboard.writeText('').catch(() => {}), seconds * 1000);
  return true;
}

export const app = new AppState();
