import { describe, expect, it } from 'vitest';
import { ago, fullDate } from '../../src/lib/when';

describe('ago', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  it('says how long ago, in words', () => {
    expect(ago('2026-12-01T11:59:30Z', now)).toBe('just now');
    expect(ago('2026-12-01T11:55:00Z', now)).toBe('5 minutes ago');
    expect(ago('2026-12-01T09:00:00Z', now)).toBe('3 hours ago');
    expect(ago('2026-11-30T12:00:00Z', now)).toBe('yesterday');
    expect(ago('2026-11-10T12:00:00Z', now)).toBe('3 weeks ago');
    expect(ago('2025-11-01T12:00:00Z', now)).toBe('last year');
  });
  it('has a short form for a narrow column', () => {
    expect(ago('2026-11-01T12:00:00Z', now, 'short')).toBe('last mo.');
    expect(ago('2026-11-10T12:00:00Z', now, 'short')).toBe('3 wk. ago');
  });
  it('never guesses a time it was not given', () => {
    expect(ago('', now)).toBeNull();
    expect(ago(null, now)).toBeNull();
    expect(ago('not a date', now)).toBeNull();
    expect(fullDate('')).toBeNull();
    expect(fullDate('2026-12-01T12:00:00Z')).toMatch(/2026/);
  });
});
