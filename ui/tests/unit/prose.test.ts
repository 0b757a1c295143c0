import { describe, expect, it } from 'vitest';
import { prose, proseAnalysis } from '../../src/lib/prose';

describe('prose', () => {
  it('quotes the code spans of a message instead of showing backticks', () => {
    expect(prose('expected `=` between key and value, found `:`')).toBe('expected “=” between key and value, found “:”');
    expect(prose("`DB` is already set on line 2; the last value wins here")).toBe('“DB” is already set on line 2; the last value wins here');
    expect(prose('Type `production` to delete it.')).toBe('Type “production” to delete it.');
    expect(prose('no code here')).toBe('no code here');
  });

  it('names a backtick character as one', () => {
    expect(prose('a key must start with a letter or `_`, not ```')).toBe('a key must start with a letter or “_”, not “`”');
  });

  it('rewrites every message of an analysis and keeps the rest', () => {
    const a = proseAnalysis({
      parse_error: { line: 2, column: 3, message: 'expected `=` after the key' },
      lints: [
        {
          line: 4,
          code: 'duplicate_key',
          severity: 'warning',
          message: '`A` is already set on line 1',
          fix: { title: 'remove the earlier `A` on line 1', start_line: 1, end_line: 1, replacement: '', delete: true },
        },
      ],
      entries: [],
    } as never);
    expect(a.parse_error).toEqual({ line: 2, column: 3, message: 'expected “=” after the key' });
    expect(a.lints[0].message).toBe('“A” is already set on line 1');
    expect(a.lints[0].fix?.title).toBe('remove the earlier “A” on line 1');
    expect(a.lints[0].line).toBe(4);
  });
});
