// The levels that do not parse (and so are left out of a merged result), and the jump to a line of a
// level in the editor.
import { pathKey } from './ipc';
import { app, levelPath } from './state.svelte';
import type { Level, LevelKind, NodePath, NodeView, ParseErrorInfo } from './types';

/** A level left out of a merged result because its text does not parse. */
export interface Broken {
  /** The node the result is of (the level is one of its levels). */
  node: NodePath;
  level: Level;
  /** Where it fails, when known (from the analysis of its text, live or saved). */
  error?: ParseErrorInfo | null;
  /** The text on screen is not saved: the live result leaves it out, the saved one may not. */
  unsaved?: boolean;
}

/** The levels of `node` that do not parse (as read: `parse_error` is set by the Rust side). */
export function brokenLevels(node: NodeView | null): Broken[] {
  return node ? node.levels.filter((l) => l.parse_error).map((level) => ({ node: node.path, level })) : [];
}

/** The same level once: a project or target level is shared by the environments of a diff. */
export function distinct(items: Broken[]): Broken[] {
  const seen = new Set<string>();
  return items.filter((b) => {
    const k = pathKey(levelPath(b.node, b.level.kind));
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** "the environment level (production)". */
export function levelName(kind: LevelKind, source: string): string {
  return `the ${kind} level (${source})`;
}

/** A pending move of the editor's cursor: LevelsView hands it to the editor of that level. */
export const jump = $state<{ to: { levelIndex: number; line: number; column: number } | null }>({ to: null });

/**
 * Shows line `line` of the `kind` level of `node` in the editor: the Levels tab, that level (the node is
 * opened first when it is another one, e.g. the other environment of a diff), the cursor on the line.
 */
export async function goToLine(node: NodePath, kind: LevelKind, line: number, column = 1) {
  const shown = app.node;
  const sameLevel = shown?.levels.some((l) => l.kind === kind && pathKey(levelPath(shown.path, kind)) === pathKey(levelPath(node, kind)));
  if (!sameLevel) {
    await app.select(node);
    if (!app.node || pathKey(app.node.path) !== pathKey(node)) return;
  }
  const levelIndex = app.node?.levels.findIndex((l) => l.kind === kind) ?? -1;
  if (levelIndex < 0) return;
  app.tab = 'levels';
  await app.chooseLevel(levelIndex);
  jump.to = { levelIndex, line, column };
}
