// One number per level (issue 13, item 8): revisions, plurals, key versions in words.
import { describe, expect, it } from 'vitest';
import { keyNote, plural, positionOf, versionLabel } from '../../src/lib/numbers';
import type { VersionItem } from '../../src/lib/types';

const item = (id: string, revision: number | null, key: string | null = '1'): VersionItem => ({
  type: 'secret-versions',
  id,
  attributes: { action: 'update', size_bytes: 1, is_client_encrypted: true, encryption_key_version: key, key_version: key, created_at: '', created_by: null, locked: false, locked_reason: null, revision },
});

describe('numbers', () => {
  it('says 1 version, 2 versions', () => {
    expect(plural(1, 'version')).toBe('1 version');
    expect(plural(2, 'version')).toBe('2 versions');
    expect(plural(0, 'key')).toBe('0 keys');
  });
  it('names a version by its revision, never by its id', () => {
    expect(versionLabel(item('6', 4), 3)).toBe('revision 4');
  });
  it('numbers versions by position when the server does not count revisions', () => {
    const meta = { current_page: 2, per_page: 50, total: 60, last_page: 2 };
    expect(positionOf(meta, 0)).toBe(10);
    expect(versionLabel(item('x', null), positionOf(meta, 9))).toBe('version 1');
  });
  it('says nothing of the current key, and an older key in words', () => {
    expect(keyNote(item('1', 1, '2'), 2)).toBeNull();
    expect(keyNote(item('1', 1, '1'), 2)).toBe('an older key (key version 1)');
    expect(keyNote(item('1', 1, '1'), null)).toBe('key version 1');
    expect(keyNote(item('1', 1, null), 2)).toBeNull();
  });
});
