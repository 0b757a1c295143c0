// The live effective result while a level is being edited.
import type { Entry, LevelKind, Merged } from './types';

/**
 * `merged` (the node's saved merge, from the Rust side) with the `edited` level's keys replaced by
 * `entries` (the live analysis of its text). Every key's value at every level is in the saved merge —
 * the winner and what it overrides — so the other levels need nothing more. The same rules as
 * envdesk-core's `merge::merge`: levels shallowest first, keys in order of first appearance, a deeper
 * level overrides. Templates are not resolved live (`resolved` is null until the text is saved).
 */
export function liveMerge(merged: Merged[], kinds: LevelKind[], edited: LevelKind, entries: Entry[]): Merged[] {
  const perLevel = new Map<LevelKind, [string, string][]>(kinds.map((k) => [k, []]));
  for (const m of merged) {
    perLevel.get(m.source)?.push([m.key, m.value]);
    for (const o of m.overrides) perLevel.get(o.level)?.push([m.key, o.value]);
  }
  perLevel.set(edited, entries.filter((e) => !e.overridden).map((e) => [e.key, e.value]));
  const out = new Map<string, Merged>();
  for (const kind of kinds) {
    for (const [key, value] of perLevel.get(kind) ?? []) {
      const m = out.get(key);
      if (m) {
        m.overrides.push({ level: m.source, value: m.value });
        m.value = value;
        m.source = kind;
      } else out.set(key, { key, value, source: kind, overrides: [], resolved: null, error: null });
    }
  }
  return [...out.values()];
}
