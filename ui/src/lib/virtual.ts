// Windowing for long tables: only the rows in view (plus a margin) are in the DOM, with spacer rows
// above and below, so a 5,000-key table renders as fast as a 50-key one. Rows have a fixed height.

export const ROW_HEIGHT = 30;
/** Rows rendered beyond the viewport on each side, so a scroll of a few rows shows no gap. */
export const MARGIN = 8;

export interface Window {
  start: number;
  end: number;
  before: number;
  after: number;
}

/**
 * The rows of `total` to render for a viewport scrolled to `scrollTop` and `height` pixels tall, with
 * `margin` rows more on each side (at the top, both margins below). MergedTable renders its first frame
 * with `margin` 0 (only the rows in view, a third fewer), and the margin a frame later.
 */
export function windowOf(scrollTop: number, height: number, total: number, margin = MARGIN): Window {
  const visible = Math.ceil((height || 800) / ROW_HEIGHT) + 2 * margin;
  // Scrolled past the rows there are (a filter just shrank the table): the last rows.
  const first = Math.min(Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - margin), Math.max(0, total - visible));
  const end = Math.min(total, first + visible);
  return { start: first, end, before: first * ROW_HEIGHT, after: (total - end) * ROW_HEIGHT };
}
