// The numbers and counts a person reads (issue 13, item 8).
//
// DECISION — one number per level: the level's *revision* ("revision N"), the number the server keeps
// for the level and the base of its next save. It is the number of the status bar, of every toast
// ("Saved environment level (revision 4)", "Revision 2 restored as revision 5") and of every row of
// the history: a version is named by the revision it was written as (`attributes.revision`). The
// version id (a number global to the server, shared by every level) is never shown. Where a server
// does not count revisions (`null`, dotEnv Cloud), toasts and the status bar say "revision not
// tracked", and the history numbers its versions by position instead, "version N", 1 the oldest — the
// only number those levels have, so it meets no other.
import type { VersionItem, VersionsPage } from './types';

/** `1 version`, `2 versions` (`many` for an irregular plural). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A version's position in its level's history, 1 the oldest (pages list the newest first). */
export function positionOf(meta: VersionsPage['meta'], index: number): number {
  return meta.total - ((meta.current_page - 1) * meta.per_page + index);
}

/** A version in words: `revision N` (what it was written as), else `version N` by its position. */
export function versionLabel(v: VersionItem, position: number): string {
  const r = v.attributes.revision;
  return r === null || r === undefined ? `version ${position}` : `revision ${r}`;
}

/** The key version of a version's text, when it is not the project's current key (else nothing). */
export function keyNote(v: VersionItem, current: number | null): string | null {
  const k = v.attributes.key_version ?? v.attributes.encryption_key_version;
  if (k === null || k === undefined || k === '') return null;
  if (current !== null && String(current) === String(k)) return null;
  return current === null ? `key version ${k}` : `an older key (key version ${k})`;
}
