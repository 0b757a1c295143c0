// The UI's state (Svelte 5 runes). Decrypted text lives only here and is dropped on lock.
import { tick } from 'svelte';
import { ipc, IpcError, pathKey, revisionLabel } from './ipc';
import { remedy } from './errors';
import { Generation, STALE, type Stale } from './request';
import { linesInWords, problemsOf } from './problems';
import { prose } from './prose';
import type * as T from './types';

export interface Toast {
  id: number;
  kind: 'error' | 'warning' | 'info' | 'success';
  text: string;
}

export type Tab = 'levels' | 'merged' | 'diff' | 'history' | 'matrix';

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
  | { kind: 'key-history'; path: T.NodePath; key: string; level: T.LevelKind }
  | { kind: 'matrix-add'; path: T.NodePath; key: string; where: string; done: () => void }
  | { kind: 'activity'; node?: T.NodePath }
  | { kind: 'confirm'; title: string; message: string; confirm: string; danger?: boolean; run: () => Promise<void>; cancel?: string; focusCancel?: boolean };

/** The dialog of one kind. */
export type DialogOf<K extends Dialog['kind']> = Extract<Dialog, { kind: K }>;

/** A node on screen: what was read, which level is shown, and the unsaved text per level index. */
export interface OpenNode {
  path: T.NodePath;
  /** Replaced whole, never mutated. */
  node: T.NodeView;
  levelIndex: number;
  /** Edited text per level index; a level whose text is back to the saved text has no entry. */
  edits: Record<number, string>;
}

/**
 * The life of the selected node. Only these transitions (methods of `AppState`) change it:
 *
 *   select                        any ──▶ loading            (the node before keeps its unsaved text as drafts)
 *   (read answered)               loading | reading ──▶ open
 *   (read failed)                 loading ──▶ locked, reading ──▶ open
 *   load                          locked ──▶ loading, open ──▶ reading   (after an unlock; edits kept)
 *   save, saveResolved            open ──▶ saving ──▶ open
 *   chooseLevel, setText, reload  open | saving | reading, in place
 *   lock, onLocked, lockProject   any ──▶ locked (none when nothing is selected)
 *   clearSelection                any ──▶ none (also on switchConnection)
 *
 * `select`, the locks and `clearSelection` show another node, or none: every answer about the one
 * before is then stale and dropped (`forNode`).
 */
export type NodeState =
  | { kind: 'none' }
  /** Being unlocked and read; nothing to show yet. */
  | { kind: 'loading'; path: T.NodePath }
  /** Selected but not readable: locked, or the read failed. */
  | { kind: 'locked'; path: T.NodePath }
  | ({ kind: 'open' } & OpenNode)
  /** A level is being saved (and the node read again); the editor stays, Save waits. */
  | ({ kind: 'saving' } & OpenNode)
  /** Read again after an unlock, keeping the edits; the node stays on screen, Save waits. */
  | ({ kind: 'reading' } & OpenNode);

type Opened = Extract<NodeState, OpenNode>;

/**
 * The lock screen over the whole window (LockScreen.svelte; docs/security.md, "Lock screen"): set by
 * `lock` (the Lock button, Ctrl+L) and `onLocked` (the automatic lock), cleared by `unlockWindow`.
 */
export interface WindowLock {
  /** The node shown when the window was locked: shown again, read anew, after the unlock. */
  path: T.NodePath | null;
  /** The level that was shown. */
  levelIndex: number;
  /** The levels with unsaved text, and whether it was kept as encrypted drafts (put back in the editor
   * after the unlock) — the automatic lock comes after the keys are gone, so it cannot keep it. */
  unsaved: { levels: T.NodePath[]; kept: boolean };
  /** The keys are dropped (the Lock button's drafts and `lock_all` are done). */
  done: boolean;
}

/** Rows of the merged result that come with a node (`read_node`), so the table on screen needs no
 * second request: a screen and the margin `MergedTable` asks for around it. */
const FIRST_ROWS = 200;

const isOpened = (s: NodeState): s is Opened => s.kind === 'open' || s.kind === 'saving' || s.kind === 'reading';

/** The key of a tree node whose children are listed: `project` or `project/target`. */
const treeKey = (p: T.NodePath) => (p.target ? `${p.project}/${p.target}` : p.project);

export class AppState {
  connections = $state<T.Connection[]>([]);
  conn = $state('local');
  projects = $state<T.NodeInfo[]>([]);
  /** Why the tree of the current connection could not be read (shown in place of the empty state). */
  treeError = $state<IpcError | null>(null);
  targets = $state<Record<string, T.NodeInfo[]>>({});
  environments = $state<Record<string, T.NodeInfo[]>>({});
  expanded = $state<Record<string, boolean>>({});
  /** Environments with keys expired or expiring soon (issue 16), by `pathKey`; unlocked projects only. */
  expiry = $state<Record<string, T.ExpiryAlert>>({});
  /** The projects the last expiry report read (unlocked then). */
  #expiryRead = new Set<string>();
  #expiryBusy = false;
  #expiryAgain = false;
  /** Counts the drops of badges (locks): a report asked for before one is not shown. */
  #expiryGeneration = 0;
  filter = $state('');
  /** The selected node's life (see `NodeState`). Raw, replaced whole: 5,000-key nodes are not wrapped in proxies. */
  #state = $state.raw<NodeState>({ kind: 'none' });
  tab = $state<Tab>('levels');
  settings = $state<T.Settings>({ theme: 'system', auto_lock_minutes: 15, clipboard_clear_seconds: 30, default_export_format: 'env', expiry_warning_days: 14, expiry_notifications: true });
  drafts = $state<T.DraftInfo[]>([]);
  toasts = $state<Toast[]>([]);
  /** The dialog on screen, replaced whole: a new dialog, even of the same kind, starts afresh. */
  dialog = $state.raw<Dialog | null>(null);
  /** The lock screen, when the window is locked: nothing of the workspace is on screen then. */
  windowLock = $state.raw<WindowLock | null>(null);
  loaded = $state(false);
  /** When each level was saved in this session (by connection and level path): the status bar says
   * "saved …" only for a level saved here, never for one merely opened. */
  savedAt = $state<Record<string, string>>({});
  /** How many levels were written in this session (`markSaved`): what shows saved content reads it again when it changes. */
  writes = $state(0);
  /** Drafts already offered in the "Unsaved changes found" dialog in this session (by connection and
   * level path): each is offered once; afterwards a quiet marker beside the level offers it (`reviewDraft`). */
  #offered = new Set<string>();
  private toastId = 0;
  /** The view last read again after `view_closed` (see `fail`). */
  #reread: number | null = null;
  /** Only the last level asked for is shown (`chooseLevel`). */
  private levelRequests = new Generation();
  /** Advanced whenever another node (or none) is shown: answers about the one before are stale. */
  private nodeRequests = new Generation();
  /** Advanced when the connection changes: answers about the other connection's tree are stale. */
  private connRequests = new Generation();

  // What the components read, derived from the node state (read-only: only the transitions change it).
  #opened = $derived(isOpened(this.nodeState) ? this.nodeState : null);
  #selected = $derived(this.nodeState.kind === 'none' ? null : this.nodeState.path);
  #node = $derived(this.#opened?.node ?? null);
  #levelIndex = $derived(this.#opened?.levelIndex ?? 0);
  // A level's text is loaded before it is shown (`chooseLevel`); until then it is not "current".
  #currentLevel = $derived(loaded(this.#node?.levels[this.#levelIndex]));
  #currentText = $derived(this.#opened && this.#currentLevel ? (this.#opened.edits[this.#levelIndex] ?? this.#currentLevel.text) : '');
  #dirty = $derived(this.edited(this.levelIndex));

  /** The selected node's life; only the transitions below change it. */
  get nodeState(): NodeState {
    return this.#state;
  }
  /** The node on screen with its edits (open, saving or reading), or null. */
  get opened(): Opened | null {
    return this.#opened;
  }
  get selected(): T.NodePath | null {
    return this.#selected;
  }
  get node(): T.NodeView | null {
    return this.#node;
  }
  get levelIndex(): number {
    return this.#levelIndex;
  }
  get currentLevel(): LoadedLevel | null {
    return this.#currentLevel;
  }
  get currentText(): string {
    return this.#currentText;
  }
  get dirty(): boolean {
    return this.#dirty;
  }
  /** Save is offered only for an open node (not while it is saved or read) with unsaved text. */
  get canSave(): boolean {
    return this.nodeState.kind === 'open' && this.#dirty;
  }

  /** Whether level `i` of the open node has unsaved text. */
  edited(i: number): boolean {
    const o = this.opened;
    const text = o?.edits[i];
    return text !== undefined && text !== o?.node.levels[i]?.text;
  }

  anyDirty(): boolean {
    return !!this.node && this.node.levels.some((_, i) => this.edited(i));
  }

  /** Asks in an in-app dialog; `run` happens on confirmation. */
  ask(title: string, message: string, confirm: string, run: () => Promise<void>, danger = false) {
    this.dialog = { kind: 'confirm', title, message, confirm, run, danger };
  }

  /** Closes `dialog` if it is still the one on screen (a dialog never closes the one that replaced it). */
  close(dialog: Dialog) {
    if (this.dialog === dialog) this.dialog = null;
  }

  toast(kind: Toast['kind'], text: string) {
    const id = ++this.toastId;
    this.toasts = [...this.toasts, { id, kind, text }];
    setTimeout(() => (this.toasts = this.toasts.filter((t) => t.id !== id)), kind === 'error' || kind === 'warning' ? 9000 : 4000);
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
      case 'reread':
        // The view of the node on screen was closed in Rust: read it again (a lock then asks to
        // unlock) — once per view, so a view that keeps closing cannot loop.
        if (this.opened && this.opened.node.view !== this.#reread) {
          this.#reread = this.opened.node.view;
          void this.reload();
        }
        return;
      case 'conflict':
      case 'show':
        break;
    }
    this.toast('error', err.message);
  }

  /**
   * Runs a request about the node on screen. Its answer (or error) is `STALE` if another node, or none,
   * is shown by the time it arrives — every request whose answer goes into the node state goes through here.
   */
  forNode<R>(call: () => Promise<R>): Promise<R | Stale> {
    return this.nodeRequests.request(call);
  }

  /** Runs a request about the current connection's tree or drafts; `STALE` once the connection changed. */
  private forConn<R>(call: () => Promise<R>): Promise<R | Stale> {
    return this.connRequests.request(call);
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
    this.connRequests.advance();
    this.conn = id;
    this.clearSelection();
    this.targets = {};
    this.environments = {};
    this.expanded = {};
    this.expiry = {};
    this.#expiryRead.clear();
    await this.refreshTree();
    await this.refreshDrafts(true);
  }

  // ── The tree ──

  async refreshTree() {
    try {
      const projects = await this.forConn(() => ipc.listProjects({ conn: this.conn }));
      if (projects === STALE) return;
      this.projects = projects;
      this.treeError = null;
      void this.refreshExpiry();
      for (const key of Object.keys(this.expanded)) {
        if (!this.expanded[key]) continue;
        const [project, target] = key.split('/');
        await this.listChildren(target ? { project, target } : { project });
      }
    } catch (e) {
      this.projects = [];
      // Shown in place of the tree's empty state (Workspace), not as a passing toast.
      this.treeError = e instanceof IpcError ? e : new IpcError('internal', String(e));
    }
  }

  /**
   * The tree's expiry badges: which environments of the unlocked projects have keys expired or expiring
   * soon. Read after the tree, a save and an unlock; dropped for projects locked since. A failure leaves
   * the badges as they were (they are a hint, the merged view says it all).
   */
  async refreshExpiry() {
    // One report at a time; asked again meanwhile, one more after it (a save during a report).
    if (this.#expiryBusy) {
      this.#expiryAgain = true;
      return;
    }
    this.#expiryBusy = true;
    const generation = this.#expiryGeneration;
    try {
      const r = await this.forConn(() => ipc.expiryReport({ conn: this.conn }));
      // A lock came meanwhile: what it read is not shown.
      if (r === STALE || generation !== this.#expiryGeneration) return;
      const next: Record<string, T.ExpiryAlert> = {};
      for (const a of r.alerts) next[pathKey(a.path)] = a;
      this.expiry = next;
      this.#expiryRead = new Set(this.projects.map((p) => p.slug).filter((p) => !r.locked.includes(p)));
    } catch {
      // Kept as they were.
    } finally {
      this.#expiryBusy = false;
      if (this.#expiryAgain) {
        this.#expiryAgain = false;
        void this.refreshExpiry();
      }
    }
  }

  /** After a node of `project` was read: its badges, if the last report could not read it. */
  private expiryAfterRead(project: string) {
    if (!this.#expiryRead.has(project)) void this.refreshExpiry();
  }

  /** Drops the badges of `project` (or of every project): locked, they are not known any more. */
  private dropExpiry(project?: string) {
    this.#expiryGeneration++;
    if (project === undefined) {
      this.expiry = {};
      this.#expiryRead.clear();
      return;
    }
    this.expiry = Object.fromEntries(Object.entries(this.expiry).filter(([, a]) => a.path.project !== project));
    this.#expiryRead.delete(project);
  }

  async toggle(path: T.NodePath) {
    if (this.expanded[treeKey(path)]) this.expanded[treeKey(path)] = false;
    else await this.refreshChildren(path);
  }

  /** Expands a project or target and reads its children again (after one was created, say). */
  async refreshChildren(path: T.NodePath) {
    this.expanded[treeKey(path)] = true;
    try {
      await this.listChildren(path);
    } catch (e) {
      this.fail(e);
    }
  }

  private async listChildren(path: T.NodePath) {
    const conn = this.conn;
    if (path.target) {
      const target = path.target;
      const envs = await this.forConn(() => ipc.listEnvironments({ conn, project: path.project, target }));
      if (envs !== STALE) this.environments[treeKey(path)] = envs;
    } else {
      const targets = await this.forConn(() => ipc.listTargets({ conn, project: path.project }));
      if (targets !== STALE) this.targets[path.project] = targets;
    }
  }

  // ── Drafts ──

  async refreshDrafts(offer = false) {
    try {
      const drafts = await this.forConn(() => ipc.listDrafts({ conn: this.conn }));
      if (drafts === STALE) return;
      this.drafts = drafts;
      const d = drafts.find((d) => !this.#offered.has(this.draftKey(d.path)));
      if (offer && d && !this.dialog) {
        try {
          if ((await this.forConn(() => ipc.unlock({ conn: this.conn, project: d.path.project }))) === STALE) return;
          const draft = await this.forConn(() => ipc.getDraft({ conn: this.conn, path: d.path }));
          if (draft === STALE) return;
          if (draft) this.offerDraft(d.path, draft.text, draft.base_revision);
        } catch (e) {
          this.fail(e, d.path.project);
        }
      }
    } catch {
      this.drafts = [];
    }
  }

  private draftKey(p: T.NodePath): string {
    return `${this.conn}:${pathKey(p)}`;
  }

  /** Opens the draft dialog for a level's draft, once per draft in a session; false if offered before. */
  private offerDraft(path: T.NodePath, text: string, baseRevision: number | null): boolean {
    const k = this.draftKey(path);
    if (this.#offered.has(k)) return false;
    this.#offered.add(k);
    this.dialog = { kind: 'draft', path, text, baseRevision };
    return true;
  }

  /** Offers a kept draft again, on request (the marker beside the level). */
  async reviewDraft(path: T.NodePath) {
    try {
      const d = await ipc.getDraft({ conn: this.conn, path });
      if (d) {
        this.#offered.add(this.draftKey(path));
        this.dialog = { kind: 'draft', path, text: d.text, baseRevision: d.base_revision };
      } else await this.refreshDrafts();
    } catch (e) {
      this.fail(e, path.project);
    }
  }

  /** Back to the saved text of the level shown; its kept draft goes too (the user chose the saved text). */
  async revert() {
    const o = this.opened;
    const level = this.currentLevel;
    if (!o || !level) return;
    this.setText(level.text);
    const lp = levelPath(o.path, level.kind);
    if (!this.hasDraft(lp)) return;
    try {
      await ipc.discardDraft({ conn: this.conn, path: lp });
    } catch {
      /* kept; offered later */
    }
    await this.refreshDrafts();
  }

  /** Notes that level `path` was just saved in this session (by a save, an import, a restore, a copy in
   * the diff); `writes` counts them, so a view showing saved content (the diff) reads it again. */
  markSaved(path: T.NodePath) {
    this.writes++;
    void this.refreshExpiry();
    this.savedAt = { ...this.savedAt, [this.draftKey(path)]: new Date().toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' }) };
  }

  /** When level `path` was saved in this session, or null. */
  savedAtOf(path: T.NodePath): string | null {
    return this.savedAt[this.draftKey(path)] ?? null;
  }

  hasDraft(p: T.NodePath): boolean {
    return this.drafts.some((d) => pathKey(d.path) === pathKey(p));
  }

  /** Keeps every unsaved level of the open node as an encrypted draft; false if one could not be kept. */
  async keepDrafts(): Promise<boolean> {
    const o = this.opened;
    if (!o) return true;
    let all = true;
    let any = false;
    for (const [i, l] of o.node.levels.entries()) {
      const text = o.edits[i];
      if (text !== undefined && text !== l.text) {
        any = true;
        try {
          await ipc.saveDraft({ conn: this.conn, path: levelPath(o.path, l.kind), text, base_revision: l.revision });
        } catch {
          /* the project may be locked already */
          all = false;
        }
      }
    }
    // Nothing unsaved: nothing to list again (opening a node asks nothing more).
    if (any) await this.refreshDrafts();
    return all;
  }

  /** Opens the node of a draft with the draft's text in its level's editor. */
  async restoreDraft(path: T.NodePath, text: string) {
    this.dialog = null;
    // A level of the node on screen is restored in place; else its own node is opened.
    const here = this.opened?.node.levels.findIndex((l) => this.opened && pathKey(levelPath(this.opened.path, l.kind)) === pathKey(path)) ?? -1;
    if (here < 0) {
      await this.select(path, false);
      const o = this.opened;
      if (!o) return;
      if (!(await this.chooseLevel(o.node.levels.length - 1))) return;
    } else if (!(await this.chooseLevel(here))) return;
    this.tab = 'levels';
    this.setText(text);
  }

  // ── Transitions of the node state ──

  /** Shows another node, or none: every answer about the one before becomes stale. */
  private enter(next: NodeState) {
    this.nodeRequests.advance();
    this.closeView(this.opened?.node);
    this.#state = next;
  }

  /** The view in Rust of a node no longer shown is closed: its decrypted data leaves memory. */
  private closeView(node: T.NodeView | null | undefined, keep?: T.NodeView) {
    if (!node || node.view === keep?.view) return;
    const conn = this.conn;
    // A moment later: a request costs ~10 ms of the webview's IPC, which the read of the next node
    // should not wait behind.
    setTimeout(() => void ipc.closeView({ conn, view: node.view }).catch(() => {}), 300);
  }

  /** Changes the open node in place (open, saving or reading stays so). */
  private update(change: Partial<OpenNode>) {
    const o = this.opened;
    if (o) this.#state = { ...o, ...change };
  }

  /** none | any ──▶ loading: the unsaved text of the node before is kept as drafts first. */
  async select(path: T.NodePath, offerDrafts = true) {
    await this.keepDrafts();
    // A lock came while the drafts were being kept: nothing is opened behind the lock screen.
    if (this.windowLock) return;
    this.enter({ kind: 'loading', path });
    await this.read(offerDrafts);
  }

  /** any ──▶ none. */
  clearSelection() {
    this.enter({ kind: 'none' });
  }

  /** locked ──▶ loading, open ──▶ reading (after an unlock, keeping the edits); otherwise nothing. */
  async load(offerDrafts = true) {
    const s = this.nodeState;
    if (s.kind === 'locked') this.#state = { kind: 'loading', path: s.path };
    else if (s.kind === 'open') this.#state = { ...s, kind: 'reading' };
    else return;
    await this.read(offerDrafts);
  }

  /** Unlocks and reads the node being loaded or read, then offers back drafts of its levels. */
  private async read(offerDrafts: boolean) {
    const s = this.nodeState;
    if (s.kind !== 'loading' && s.kind !== 'reading') return;
    const path = s.path;
    try {
      // Read at once when the project is unlocked (the usual case: one request); unlocked first
      // (from the keychain, else a question) when it is not.
      const readIt = () => this.forNode(() => ipc.readNode({ conn: this.conn, path, text_of: null, rows: FIRST_ROWS }));
      let node: T.NodeView | Stale;
      try {
        node = await readIt();
      } catch (e) {
        if (!(e instanceof IpcError) || e.code !== 'locked') throw e;
        if ((await this.forNode(() => ipc.unlock({ conn: this.conn, project: path.project }))) === STALE) return;
        node = await readIt();
      }
      if (node === STALE) return;
      this.show(node);
      this.expiryAfterRead(path.project);
      // The levels still edited (a node read again) and those with drafts to offer need their saved text.
      const want = node.levels.flatMap((l, i) => (this.opened?.edits[i] !== undefined || (offerDrafts && this.hasDraft(levelPath(path, l.kind))) ? [i] : []));
      if (!(await this.ensureTexts(want))) return;
      for (const [i, l] of offerDrafts ? (this.opened?.node.levels.entries() ?? []) : []) {
        const lp = levelPath(path, l.kind);
        if (!this.hasDraft(lp)) continue;
        const d = await this.forNode(() => ipc.getDraft({ conn: this.conn, path: lp }));
        if (d === STALE) return;
        // Offered once; afterwards the level shows a quiet marker instead (LevelsView).
        if (d && d.text !== l.text && !this.dialog && this.offerDraft(lp, d.text, d.base_revision)) await this.chooseLevel(i);
      }
    } catch (e) {
      this.unreadable();
      this.fail(e, path.project);
    }
  }

  /** loading | reading ──▶ open, on the deepest level; a node read again keeps its edits. */
  private show(node: T.NodeView) {
    const s = this.nodeState;
    if (s.kind !== 'loading' && s.kind !== 'reading') return;
    // An answer read before a lock and arriving after it is not shown (the lock screen is up).
    if (this.windowLock) return this.unreadable();
    if (s.kind === 'reading') {
      // Read again (after an unlock): the levels still edited keep the base they were edited on.
      this.closeView(s.node, node);
      const levels = node.levels.map((l, i) => (s.edits[i] !== undefined && s.node.levels[i]?.kind === l.kind && s.node.levels[i].text !== null ? s.node.levels[i] : l));
      this.#state = { kind: 'open', path: s.path, node: { ...node, levels }, levelIndex: node.levels.length - 1, edits: s.edits };
      return;
    }
    this.#state = { kind: 'open', path: s.path, node, levelIndex: node.levels.length - 1, edits: {} };
  }

  /** loading ──▶ locked; reading ──▶ open (as it was). */
  private unreadable() {
    const s = this.nodeState;
    if (s.kind === 'loading') this.#state = { kind: 'locked', path: s.path };
    else if (s.kind === 'reading') this.#state = { ...s, kind: 'open' };
  }

  /** Shows another level of the open node, once its text is here (it stays in Rust until asked for). */
  async chooseLevel(levelIndex: number): Promise<boolean> {
    const asked = this.levelRequests.latest(() => this.ensureTexts([levelIndex]));
    const r = await asked.catch(() => false as const);
    if (r === STALE || !r) return false;
    this.update({ levelIndex });
    return true;
  }

  /**
   * Brings the saved text of levels `indices` of the open node from its view in Rust (a node comes with
   * the text of one level only); false when it could not (another node shown meanwhile, or an error,
   * already shown).
   */
  private async ensureTexts(indices: number[]): Promise<boolean> {
    const o = this.opened;
    if (!o) return false;
    const missing = [...new Set(indices)].filter((i) => o.node.levels[i] && o.node.levels[i].text === null);
    if (missing.length === 0) return true;
    try {
      const texts = await this.forNode(() => Promise.all(missing.map((i) => ipc.levelText({ conn: this.conn, view: o.node.view, level: o.node.levels[i].kind }))));
      if (texts === STALE) return false;
      const now = this.opened;
      // Read again meanwhile (another view): that read brings its own texts.
      if (!now || now.node.view !== o.node.view) return false;
      const levels = now.node.levels.map((l, i) => (missing.includes(i) && l.text === null ? { ...l, text: texts[missing.indexOf(i)] } : l));
      this.update({ node: { ...now.node, levels } });
      return true;
    } catch (e) {
      this.fail(e, o.path.project);
      return false;
    }
  }

  setText(text: string) {
    const o = this.opened;
    if (!o) return;
    const { [o.levelIndex]: _, ...rest } = o.edits;
    // Back to the saved text: no longer an edit.
    this.update({ edits: text === this.currentLevel?.text ? rest : { ...rest, [o.levelIndex]: text } });
  }

  /** Reads the open node again; false when the answer was stale (another node is shown by then). */
  async reload(saved?: number): Promise<boolean> {
    const o = this.opened;
    if (!o) return true;
    try {
      const levelIndex = Math.min(this.levelIndex, o.node.levels.length - 1);
      const text_of = o.node.levels[levelIndex]?.kind ?? null;
      const node = await this.forNode(() => ipc.readNode({ conn: this.conn, path: o.path, text_of, rows: FIRST_ROWS }));
      if (node === STALE) return false;
      const now = this.opened;
      if (!now) return false;
      // A level with unsaved edits keeps the base (revision and text) it was edited on, so its save
      // still catches a change made meanwhile; the level just saved (`saved`) takes the new one.
      const levels = node.levels.map((l, i) => {
        const before = now.node.levels[i];
        return i !== saved && now.edits[i] !== undefined && before?.kind === l.kind && before.text !== null ? before : l;
      });
      this.closeView(now.node, node);
      this.update({ node: { ...node, levels }, levelIndex: Math.min(levelIndex, node.levels.length - 1) });
    } catch (e) {
      this.fail(e, o.path.project);
    }
    return true;
  }

  /**
   * open ──▶ saving ──▶ open: saves the shown level (`store`), asking first (back to open meanwhile)
   * when its text does not parse: its keys would then be left out of the merged result.
   */
  async save() {
    const o = this.opened;
    if (o?.kind !== 'open' || !this.canSave) return;
    const level = this.currentLevel;
    if (!level) return;
    const text = this.currentText;
    this.#state = { ...o, kind: 'saving' };
    let broken: number[] = [];
    let first = '';
    try {
      const problems = await this.forNode(() => problemsOf(text));
      if (problems === STALE) return;
      // Lines that do not parse (they have a column); a value that breaks its `@type` is an error lint,
      // which the save itself checks against the schema.
      const errors = problems.filter((p) => p.severity === 'error' && p.column !== null);
      broken = errors.map((p) => p.line);
      first = errors.length === 1 ? `: ${errors[0].message}.` : errors[0] ? ` (line ${errors[0].line}: ${errors[0].message}).` : '';
    } catch {
      /* not analysed: saved as before */
    }
    if (broken.length === 0) return this.store();
    this.settle();
    const where = linesInWords(broken);
    this.dialog = {
      kind: 'confirm',
      title: `Save ${level.kind} level with ${broken.length === 1 ? 'a line' : 'lines'} that do${broken.length === 1 ? 'es' : ''} not parse?`,
      message:
        `${where[0].toUpperCase()}${where.slice(1)} of the ${level.kind} level (${level.source}) ${broken.length === 1 ? 'does' : 'do'} not parse${first} ` +
        `If you save it, none of this level's keys are included in the merged result until it is fixed.`,
      confirm: 'Save anyway',
      cancel: 'Keep editing',
      focusCancel: true,
      // The text asked about, or asked again if it changed meanwhile.
      run: async () => {
        const s = this.nodeState;
        if (s.kind !== 'open' || !this.canSave || this.currentText !== text) return this.save();
        this.#state = { ...s, kind: 'saving' };
        await this.store();
      },
    };
  }

  /** saving ──▶ open: saves the shown level as it is; a conflict opens the conflict dialog. */
  private async store() {
    const o = this.opened;
    if (o?.kind !== 'saving') return;
    const index = o.levelIndex;
    const level = this.currentLevel;
    if (!level) return this.settle();
    const path = levelPath(o.path, level.kind);
    const text = this.currentText;
    try {
      // Checked against the node's schema in its view (issue 16): a strict project refuses, else the
      // answer says what breaks.
      const view = o.node.view;
      const r = await this.forNode(() => ipc.saveLevel({ conn: this.conn, path, text, base_revision: level.revision, base_text: level.text, view }));
      if (r === STALE) return;
      if (r.conflict) {
        this.dialog = { kind: 'conflict', conflict: r.conflict, levelIndex: index };
        this.settle();
        return;
      }
      if (!(await this.reload(index))) return;
      this.saved(index);
      this.markSaved(path);
      const errors = r.schema_problems.filter((p) => p.severity === 'error');
      if (errors.length) {
        const first = errors.slice(0, 3).map((p) => prose(p.message)).join('; ');
        this.toast('warning', `Saved ${level.kind} level (${revisionLabel(r.revision)}), but it breaks the schema: ${first}${errors.length > 3 ? ` and ${errors.length - 3} more` : ''}.`);
      } else this.toast('success', `Saved ${level.kind} level (${revisionLabel(r.revision)}).`);
      await this.refreshDrafts();
    } catch (e) {
      this.settle();
      this.fail(e, path.project);
      await this.refreshDrafts();
    }
  }

  /** open ──▶ saving ──▶ open: saves the resolved text of a conflict on top of the revision that won. */
  async saveResolved(text: string, conflict: T.Conflict, levelIndex: number) {
    const o = this.opened;
    if (o?.kind !== 'open') return;
    const level = o.node.levels[levelIndex];
    const path = levelPath(o.path, level.kind);
    this.#state = { ...o, kind: 'saving' };
    try {
      const r = await this.forNode(() => ipc.saveLevel({ conn: this.conn, path, text, base_revision: conflict.theirs_revision, base_text: conflict.theirs_text }));
      if (r === STALE) return;
      if (r.conflict) {
        this.dialog = { kind: 'conflict', conflict: r.conflict, levelIndex };
        this.settle();
        return;
      }
      this.dialog = null;
      if (!(await this.reload(levelIndex))) return;
      this.saved(levelIndex);
      this.markSaved(path);
      this.toast('success', `Merged and saved (${revisionLabel(r.revision)}).`);
      await this.refreshDrafts();
    } catch (e) {
      this.settle();
      this.fail(e, path.project);
    }
  }

  /** saving ──▶ open, level `index` no longer edited. */
  private saved(index: number) {
    const s = this.nodeState;
    if (s.kind !== 'saving') return;
    const { [index]: _, ...edits } = s.edits;
    this.#state = { ...s, kind: 'open', edits };
  }

  /** saving ──▶ open, edits kept (a conflict, or the save failed). */
  private settle() {
    const s = this.nodeState;
    if (s.kind === 'saving') this.#state = { ...s, kind: 'open' };
  }

  /** Whether the level at `path` is open here with unsaved text. */
  hasUnsaved(path: T.NodePath): boolean {
    return this.unsavedLevels().some((p) => pathKey(p) === pathKey(path));
  }

  /** The levels of the open node with unsaved text. */
  private unsavedLevels(): T.NodePath[] {
    const o = this.opened;
    return o ? o.node.levels.flatMap((l, i) => (this.edited(i) ? [levelPath(o.path, l.kind)] : [])) : [];
  }

  /**
   * Locks the window (the Lock button, Ctrl+L): the lock screen at once, then the unsaved text kept as
   * encrypted drafts, every key dropped in Rust and the decrypted text dropped here.
   */
  async lock() {
    if (this.windowLock) return;
    const levels = this.unsavedLevels();
    const shown = { path: this.selected, levelIndex: this.levelIndex };
    this.windowLock = { ...shown, unsaved: { levels, kept: true }, done: false };
    this.dialog = null;
    this.toasts = [];
    clearCopied();
    const kept = await this.keepDrafts();
    this.dropExpiry();
    try {
      await ipc.lockAll();
    } finally {
      this.dropExpiry();
      this.dropNode();
      this.windowLock = { ...shown, unsaved: { levels, kept }, done: true };
    }
  }

  /**
   * The automatic lock (Rust's `locked` event, after the idle time): the keys are gone already, so
   * unsaved text cannot be kept as a draft (it is encrypted with the project's key); the lock screen
   * says so. any ──▶ locked (or none).
   */
  onLocked() {
    this.dropExpiry();
    if (!this.windowLock) {
      this.windowLock = { path: this.selected, levelIndex: this.levelIndex, unsaved: { levels: this.unsavedLevels(), kept: false }, done: true };
      this.dialog = null;
      this.toasts = [];
      clearCopied();
    }
    this.dropNode();
  }

  /**
   * Back from the lock screen, once it was given what protects the key: the node shown before is read
   * again, on the level shown, with the unsaved text kept as drafts back in its editor. With `open`
   * false ("back without unlocking"), nothing is read: the node stays locked.
   */
  async unlockWindow(open = true) {
    const wl = this.windowLock;
    if (!wl) return;
    this.windowLock = null;
    if (this.dialog?.kind === 'unlock') this.dialog = null;
    void this.refreshTree();
    // Back without opening: the node stays locked (its drafts wait) until it is opened again.
    if (!open) return;
    const s = this.nodeState;
    if (!wl.path || s.kind !== 'locked' || pathKey(s.path) !== pathKey(wl.path)) return;
    await this.load(false);
    const shownBefore = this.opened;
    if (!shownBefore) return;
    // The level shown before and those with kept drafts need their saved text.
    const want = [Math.min(wl.levelIndex, shownBefore.node.levels.length - 1)];
    for (const p of wl.unsaved.kept ? wl.unsaved.levels : []) want.push(shownBefore.node.levels.findIndex((l) => pathKey(levelPath(shownBefore.path, l.kind)) === pathKey(p)));
    if (!(await this.ensureTexts(want.filter((i) => i >= 0)))) return;
    const o = this.opened;
    if (!o) return;
    const edits: Record<number, string> = { ...o.edits };
    for (const p of wl.unsaved.kept ? wl.unsaved.levels : []) {
      const i = o.node.levels.findIndex((l) => pathKey(levelPath(o.path, l.kind)) === pathKey(p));
      if (i < 0) continue;
      const d = await this.forNode(() => ipc.getDraft({ conn: this.conn, path: p }).catch(() => null));
      if (d === STALE) return;
      if (d && d.text !== o.node.levels[i].text) {
        this.#offered.add(this.draftKey(p));
        edits[i] = d.text;
      }
    }
    this.update({ edits, levelIndex: Math.min(wl.levelIndex, o.node.levels.length - 1) });
  }

  /** Locks one project: its key dropped in Rust; if a node of it is shown, its text too (drafts kept). */
  async lockProject(project: string) {
    const shown = this.selected?.project === project;
    if (shown) await this.keepDrafts();
    await ipc.lockProject({ conn: this.conn, project });
    this.dropExpiry(project);
    if (shown) this.dropNode();
    this.toast('info', shown ? `Locked ${project}: its secrets are hidden until you unlock it.` : `Locked ${project}.`);
  }

  /** any ──▶ locked (or none when nothing is selected): the decrypted text is dropped, and the dialogs showing it. */
  private dropNode() {
    const path = this.selected;
    this.enter(path ? { kind: 'locked', path } : { kind: 'none' });
    if (this.dialog && ['conflict', 'draft', 'key-backup', 'import'].includes(this.dialog.kind)) this.dialog = null;
  }
}

/** Reads a node for one use (its levels' revisions, the deepest level's text); its view in Rust is
 * closed at once, so nothing of it stays decrypted there. */
export async function readOnce(conn: string, path: T.NodePath): Promise<T.NodeView> {
  const node = await ipc.readNode({ conn, path, text_of: null, rows: 0 });
  void ipc.closeView({ conn, view: node.view }).catch(() => {});
  return node;
}

/** A level whose saved text is here (the one shown always is). */
export type LoadedLevel = T.Level & { text: string };

/** `level` if its text is here, else null. */
export function loaded(level: T.Level | null | undefined): LoadedLevel | null {
  return level && level.text !== null ? (level as LoadedLevel) : null;
}

/** The text of a level read to be written (`read_node` sends the deepest level's); a bug if absent. */
export function textOf(level: T.Level): string {
  if (level.text === null) throw new Error(`The ${level.kind} level's text was not read.`);
  return level.text;
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
/** Whether the clipboard may still hold a value envdesk copied (not cleared yet). */
let copied = false;

/** Copies a value and clears the clipboard after the configured time. */
export async function copyValue(value: string, seconds: number): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(value);
  } catch {
    return false;
  }
  copied = true;
  if (clipboardTimer) clearTimeout(clipboardTimer);
  if (seconds > 0) clipboardTimer = setTimeout(clearCopied, seconds * 1000);
  return true;
}

/** Clears the clipboard now if it may hold a value envdesk copied (a lock does, whatever the setting). */
export function clearCopied() {
  if (clipboardTimer) clearTimeout(clipboardTimer);
  clipboardTimer = undefined;
  if (!copied) return;
  copied = false;
  void navigator.clipboard.writeText('').catch(() => {});
}

export const app = new AppState();
