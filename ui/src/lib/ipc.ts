// The Rust side, as the UI calls it: `ipc.<command>(request)`, generated with its request and answer
// types from the one command list (src-tauri/commands.rs → bindings.ts), and helpers for paths.
import { commands } from './bindings';
import type * as T from './types';
import { proseAnalysis } from './prose';

export { IpcError } from './call';
export type { Code as ErrorCode } from './bindings';

export const ipc = {
  ...commands,
  /** A text's analysis, its messages in prose (every parse error and lint on screen comes from here). */
  analyzeText: async (req: Parameters<typeof commands.analyzeText>[0]) => proseAnalysis(await commands.analyzeText(req)),
  /** A level of an open view as typed, its values also checked against the node's schema (issue 16). */
  analyzeLevel: async (req: Parameters<typeof commands.analyzeLevel>[0]) => proseAnalysis(await commands.analyzeLevel(req)),
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
