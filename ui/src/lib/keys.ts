// What the table view checks as a key is typed, so a bad key is explained beside its field before
// anything is sent. The rule is envdesk-core's (`is_valid_key` in crates/core/src/dotenv/parse.rs:
// `[A-Za-z_][A-Za-z0-9_.-]*`); the core still refuses a bad key itself (EditError::InvalidKey).

const START = /^[A-Za-z_]$/;
const CONTINUE = /^[A-Za-z0-9_.-]$/;

/** How a character is named in a message: a space or a tab by name, anything else quoted. */
function named(c: string): string {
  if (c === ' ') return 'a space';
  if (c === '\t') return 'a tab';
  return `“${c}”`;
}

/**
 * Why `key` is not a key the core accepts, in a sentence; `null` when it is one. `taken` lists keys the
 * key must not equal (a rename onto an existing key is refused by the core: EditError::KeyExists).
 */
export function keyProblem(key: string, taken: readonly string[] = []): string | null {
  if (key === '') return 'Type a key.';
  const chars = [...key];
  if (!START.test(chars[0])) return `A key starts with a letter or _, not ${named(chars[0])}.`;
  const bad = chars.find((c) => !CONTINUE.test(c));
  if (bad !== undefined) return `A key has only letters, digits, _, . and -, not ${named(bad)}.`;
  if (taken.includes(key)) return `${key} already exists.`;
  return null;
}
