import { describe, expect, it } from 'vitest';
import { MARGIN, ROW_HEIGHT, windowOf } from '../../src/lib/virtual';

describe('windowOf', () => {
  it('renders only the rows in view when asked for no margin (a table’s first frame)', () => {
    const w = windowOf(0, 20 * ROW_HEIGHT, 5000, 0);
    expect(w).toEqual({ start: 0, end: 20, before: 0, after: 4980 * ROW_HEIGHT });
  });

  it('adds the margin below at the top, and on both sides further down', () => {
    expect(windowOf(0, 20 * ROW_HEIGHT, 5000)).toMatchObject({ start: 0, end: 20 + 2 * MARGIN });
    const w = windowOf(100 * ROW_HEIGHT, 20 * ROW_HEIGHT, 5000);
    expect(w).toMatchObject({ start: 100 - MARGIN, end: 120 + MARGIN, before: (100 - MARGIN) * ROW_HEIGHT });
  });

  it('shows the last rows when scrolled past the end, and fewer rows than fit when there are fewer', () => {
    expect(windowOf(9000 * ROW_HEIGHT, 20 * ROW_HEIGHT, 50)).toMatchObject({ start: 50 - 20 - 2 * MARGIN, end: 50, after: 0 });
    expect(windowOf(0, 20 * ROW_HEIGHT, 5, 0)).toMatchObject({ start: 0, end: 5, after: 0 });
  });
});
