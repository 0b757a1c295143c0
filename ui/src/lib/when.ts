// When something happened, for a person: "3 days ago" on screen, the full local date and time in its
// title. A time a server did not say (or could not be read) is said to be unknown, never guessed.

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** `iso` relative to `now`: "just now", "5 minutes ago", "yesterday", "3 weeks ago" (`short`: "5 min. ago",
 * "3 wk. ago", "last mo.", for a narrow column); null when unknown. */
export function ago(iso: string | null | undefined, now: number = Date.now(), style: 'long' | 'short' = 'long'): string | null {
  if (!iso) return null;
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return null;
  const s = Math.round((now - t) / 1000);
  if (Math.abs(s) < 60) return 'just now';
  const f = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style });
  for (const [unit, size] of UNITS) {
    if (Math.abs(s) >= size) return f.format(-Math.trunc(s / size), unit);
  }
  return 'just now';
}

/** The full local date and time of `iso`; null when unknown. */
export function fullDate(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d.toLocaleString();
}
