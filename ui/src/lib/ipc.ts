// Every call to the Rust side goes through this module; components never call `invoke` themselves.
import { invoke } from '@tauri-apps/api/core';
import type * as T from './types';

/** The error codes the Rust side sends (`IpcError.code`), mapped to what the UI does. */
export type ErrorCode =
  | 'locked' | 'key_needed' | 'wrong_key' | 'undecryptable' | 'bad_key' | 'parse_error' | 'import_failed'
  | 'export_failed' | 'template_error' | 'old_key_unavailable' | 'keychain_error' | 'io_error' | 'invalid'
  | 'confirmation_required' | 'unauthenticated' | 'insufficient_permissions' | 'not_found' | 'already_exists'
  | 'revision_conflict' | 'validation_failed' | 'key_proof_mismatch' | 'network' | 'timeout' | 'internal'
  | 'cancelled' | 'rotation_outcome_unknown' | 'listing_too_large' | 'local_vault_key_missing'
  | 'local_vault_token_mismatch' | 'unencrypted_level' | 'bad_request' | 'request_timeout'
  | 'rotation_unsupported' | 'server_key_refused'
  | string;

export class IpcError extends Error {
  constructor(public code: ErrorCode, message: string) {
    super(message);
  }
}

async function call<R>(cmd: string, args: Record<string, unknown> = {}): Promise<R> {
  try {
    return await invoke<R>(cmd, args);
  } catch (e: unknown) {
    if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
      const err = e as { code: string; message: string };
      throw new IpcError(err.code, err.message);
    }
    throw new IpcError('internal', typeof e === 'string' ? e : 'Something went wrong in envdesk itself.');
  }
}

export const ipc = {
  /** The first screen is drawn: the Rust side shows the window. */
  uiReady: () => call<void>('ui_ready'),
  listConnections: () => call<T.Connection[]>('list_connections'),
  addConnection: (name: string, url: string, organization: string, token: string) =>
    call<T.Connection>('add_connection', { name, url, organization, token }),
  testConnection: (conn: string) => call<T.Organization>('test_connection', { conn }),
  removeConnection: (conn: string) => call<void>('remove_connection', { conn }),

  listProjects: (conn: string) => call<T.NodeInfo[]>('list_projects', { conn }),
  listTargets: (conn: string, project: string) => call<T.NodeInfo[]>('list_targets', { conn, project }),
  listEnvironments: (conn: string, project: string, target: string) =>
    call<T.NodeInfo[]>('list_environments', { conn, project, target }),
  createProject: (conn: string, name: string, mode: 'server' | 'generate' | 'passphrase', passphrase?: string) =>
    call<T.CreatedProject>('create_project', { conn, name, mode, passphrase: passphrase ?? null }),
  createChild: (conn: string, parent: T.NodePath, name: string) => call<T.NodeInfo>('create_child', { conn, parent, name }),
  renameNode: (conn: string, path: T.NodePath, name: string, slug?: string) =>
    call<T.NodeInfo>('rename_node', { conn, path, name, slug: slug ?? null }),
  deleteNode: (conn: string, path: T.NodePath, confirm: string) => call<void>('delete_node', { conn, path, confirm }),
  saveKeyBackup: (project: string) => call<string | null>('save_key_backup', { project }),
  dismissKeyBackup: () => call<void>('dismiss_key_backup'),
  rotateKey: (conn: string, project: string, mode: 'generate' | 'passphrase', passphrase?: string) =>
    call<T.Rotation>('rotate_key', { conn, project, mode, passphrase: passphrase ?? null }),

  unlock: (conn: string, project: string) => call<T.KeyState>('unlock', { conn, project }),
  unlockWithKey: (conn: string, project: string, key: string, remember: boolean) =>
    call<T.KeyState>('unlock_with_key', { conn, project, key, remember }),
  keyState: (conn: string, project: string) => call<T.KeyState>('key_state', { conn, project }),
  lockAll: () => call<void>('lock_all'),

  readNode: (conn: string, path: T.NodePath) => call<T.NodeView>('read_node', { conn, path }),
  saveLevel: (conn: string, path: T.NodePath, text: string, baseRevision: number | null, baseText: string) =>
    call<T.SaveResult>('save_level', { conn, path, text, baseRevision, baseText }),
  analyzeText: (text: string) => call<T.Analysis>('analyze_text', { text }),
  editText: (text: string, editOp: T.TextEdit) => call<string>('edit_text', { text, editOp }),
  resolveConflict: (text: string, choices: [string, string | null][]) => call<string>('resolve_conflict', { text, choices }),

  saveDraft: (conn: string, path: T.NodePath, text: string, baseRevision: number | null) =>
    call<void>('save_draft', { conn, path, text, baseRevision }),
  listDrafts: (conn: string) => call<T.DraftInfo[]>('list_drafts', { conn }),
  getDraft: (conn: string, path: T.NodePath) => call<{ text: string; base_revision: number | null } | null>('get_draft', { conn, path }),
  discardDraft: (conn: string, path: T.NodePath) => call<void>('discard_draft', { conn, path }),

  diffSources: (conn: string, a: T.DiffSource, b: T.DiffSource) => call<T.DiffResult>('diff_sources', { conn, a, b }),
  history: (conn: string, path: T.NodePath, page: number) => call<T.VersionsPage>('history', { conn, path, page }),
  restoreVersion: (conn: string, path: T.NodePath, id: string, baseRevision: number | null) =>
    call<number | null>('restore_version', { conn, path, id, baseRevision }),
  deleteVersion: (conn: string, id: string, force: boolean) => call<void>('delete_version', { conn, id, force }),
  purgeHistory: (conn: string, path: T.NodePath, confirm: string) => call<number>('purge_history', { conn, path, confirm }),

  /** The native open dialog; the file is read on the Rust side, the UI gets a handle and its name. */
  chooseImportFile: () => call<T.ImportChoice | null>('choose_import_file'),
  previewImport: (conn: string, path: T.NodePath, handle: number) =>
    call<T.ImportPreview>('preview_import', { conn, path, handle }),
  applyImport: (conn: string, path: T.NodePath, handle: number, mode: 'merge' | 'replace') =>
    call<T.SaveResult>('apply_import', { conn, path, handle, mode }),
  exportToFile: (conn: string, source: { kind: 'level' | 'merged'; path: T.NodePath }, format: T.ExportFormat, resolve: boolean) =>
    call<string | null>('export_to_file', { conn, source, format, resolve }),

  getSettings: () => call<T.Settings>('get_settings'),
  setSettings: (settings: T.Settings) => call<T.Settings>('set_settings', { settings }),
};

export type Ipc = typeof ipc;

/**
 * A level's revision in words. `null`: the server does not count revisions (dotEnv Cloud), so envdesk
 * re-reads the level before each save to catch a concurrent edit instead.
 */
export function revisionLabel(rev: number | null | undefined): string {
  return rev === null || rev === undefined ? 'revision not tracked by this server' : `revision ${rev}`;
}

/** Turns a path into `project / target / environment`. */
export function pathLabel(p: T.NodePath): string {
  return [p.project, p.target, p.environment].filter(Boolean).join(' › ');
}

export function pathKey(p: T.NodePath): string {
  return [p.project, p.target ?? '', p.environment ?? ''].join('/');
}

export function deepest(p: T.NodePath): string {
  return p.environment ?? p.target ?? p.project;
}
