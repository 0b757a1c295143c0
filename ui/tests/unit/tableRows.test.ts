import { describe, expect, it } from 'vitest';
import { tableRows } from '../../src/lib/tableRows';
import { keyProblem } from '../../src/lib/keys';
import type { Entry } from '../../src/lib/types';

const entry = (key: string, value: string, line: number, more: Partial<Entry> = {}): Entry => ({
  key,
  value,
  line,
  comments: [],
  tags: [],
  exported: false,
  quote: 'none',
  overridden: false,
  ...more,
});

/** The rows in short: `# …` lines of a comment row joined by `|`, `KEY` or `KEY # inline` for a key. */
const shape = (text: string, entries: Entry[]) =>
  tableRows(text, entries).map((r) => (r.kind === 'comment' ? r.lines.join('|') : r.inline ? `${r.entry.key} ${r.inline}` : r.entry.key));

describe('tableRows', () => {
  it('shows a section comment as its own row and the comment after a value', () => {
    const text = '# Database\nDB=x # inline\nPORT=1\n';
    expect(shape(text, [entry('DB', 'x', 2, { comments: ['Database'] }), entry('PORT', '1', 3)])).toEqual(['# Database', 'DB # inline', 'PORT']);
  });

  it('keeps comments as written, and those that head no key', () => {
    const text = '## ---- Cache ----\n\n#tight\n  # indented\nREDIS=r\n\n# the end\n';
    expect(shape(text, [entry('REDIS', 'r', 5, { comments: ['tight', 'indented'] })])).toEqual(['## ---- Cache ----', '#tight|# indented', 'REDIS', '# the end']);
  });

  it('leaves the tags line to the tags column', () => {
    const text = '# Keys\n# @tags: a, b\nK=1\n';
    expect(shape(text, [entry('K', '1', 3, { comments: ['Keys'], tags: ['a', 'b'] })])).toEqual(['# Keys', 'K']);
  });

  it('reads quoted values, escapes and values over several lines as the core does', () => {
    const text = 'A="say \\"hi\\" # not a comment" # yes\nB=\'it\\\'s\'\nC="line1\n# inside\nline3" # after\n# below\nD=a#b\n';
    const entries = [
      entry('A', 'say "hi" # not a comment', 1, { quote: 'double' }),
      entry('B', "it's", 2, { quote: 'single' }),
      entry('C', 'line1\n# inside\nline3', 3, { quote: 'double' }),
      entry('D', 'a#b', 7, { comments: ['below'] }),
    ];
    expect(shape(text, entries)).toEqual(['A # yes', 'B', 'C # after', '# below', 'D']);
  });

  it('takes nothing from the text when it does not read as the core read it', () => {
    // A value the core read differently: no comment from the text, only the entries' own.
    const text = '# head\nA=secret # part\n';
    expect(shape(text, [entry('A', 'secret # part', 2, { comments: ['head'] })])).toEqual(['# head', 'A']);
    // A line that looks like a comment but is the end of a quoted value the core did not see as such.
    const t2 = 'A="x\n#secret"\nB=1\n';
    expect(shape(t2, [entry('A', 'x\n#secret', 1, { quote: 'double' }), entry('B', '1', 3)])).toEqual(['A', 'B']);
  });

  it('reads `export` and CRLF lines', () => {
    const text = '# c\r\nexport A=1 # x\r\n';
    expect(shape(text, [entry('A', '1', 2, { exported: true, comments: ['c'] })])).toEqual(['# c', 'A # x']);
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
