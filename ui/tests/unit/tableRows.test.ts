import { describe, expect, it } from 'vitest';
import { tableRows } from '../../src/lib/tableRows';
import { keyProblem } from '../../src/lib/keys';
import type { CommentBlock, Entry } from '../../src/lib/types';

const entry = (key: string, value: string, line: number, more: Partial<Entry> = {}): Entry => ({
  key,
  value,
  line,
  comments: [],
  tags: [],
  exported: false,
  quote: 'none',
  overridden: false,
  inline_comment: null,
  schema: null,
  ...more,
});

/** The rows in short: `# …` lines of a comment row joined by `|`, `KEY` or `KEY # inline` for a key. */
const shape = (entries: Entry[], comment_blocks: CommentBlock[]) =>
  tableRows({ entries, comment_blocks }).map((r) => (r.kind === 'comment' ? r.lines.join('|') : r.inline ? `${r.entry.key} ${r.inline}` : r.entry.key));

// What the core reads from the text (the blocks, the comment after a value) is tested in
// crates/core/tests/core/dotenv_edits.rs; here, only that the table puts them where they stand.
describe('tableRows', () => {
  it('puts each comment block above what follows it and the inline comment after its value', () => {
    // # Database / DB=x # inline / PORT=1
    const rows = shape([entry('DB', 'x', 2, { comments: ['Database'], inline_comment: '# inline' }), entry('PORT', '1', 3)], [{ line: 1, lines: ['# Database'] }]);
    expect(rows).toEqual(['# Database', 'DB # inline', 'PORT']);
  });

  it('keeps blocks that head no key, before, between and after the keys', () => {
    const blocks = [
      { line: 1, lines: ['## ---- Cache ----'] },
      { line: 3, lines: ['#tight', '# indented'] },
      { line: 7, lines: ['# between'] },
      { line: 10, lines: ['# the end'] },
    ];
    expect(shape([entry('REDIS', 'r', 5), entry('B', '1', 9)], blocks)).toEqual(['## ---- Cache ----', '#tight|# indented', 'REDIS', '# between', 'B', '# the end']);
  });

  it('shows nothing without an analysis', () => {
    expect(tableRows(null)).toEqual([]);
  });
});

describe('keyProblem', () => {
  it('follows the core rule [A-Za-z_][A-Za-z0-9_.-]*', () => {
    expect(keyProblem('DB_HOST')).toBeNull();
    expect(keyProblem('_a.b-c9')).toBeNull();
    expect(keyProblem('1BAD KEY')).toBe('A key starts with a letter or _, not “1”.');
    expect(keyProblem('BAD KEY')).toBe('A key has only letters, digits, _, . and -, not a space.');
    expect(keyProblem('A=B')).toBe('A key has only letters, digits, _, . and -, not “=”.');
    expect(keyProblem('')).toBe('Type a key.');
    expect(keyProblem('DB', ['DB'])).toBe('DB already exists.');
  });
});
