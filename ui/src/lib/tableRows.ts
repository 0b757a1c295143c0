// The rows of the table view of one level: each key, and each comment as written, where it is written.
//
// envdesk-core's analysis gives each entry its line and the comment lines directly above it (without
// `#`), but not the comment after its value (`DB=x # inline`) nor comments that head no key. Both are
// read here from the text at the entry's line, by the scanner's own rules (crates/core/src/dotenv/
// parse.rs: an unquoted value ends before whitespace + `#`; a quoted one at its closing quote, with the
// same escapes). Every reading is checked against the core's: the value read here must equal the
// entry's value, and the comment lines above an entry must be its `comments`. If anything differs, no
// comment is taken from the text — the table falls back to the entry's `comments` — so a part of a
// value is never shown as a comment.
import type { Entry } from './types';

export type Row =
  /** Comment lines as written (trimmed), shown as a full-width row above what follows them. */
  | { kind: 'comment'; lines: string[]; line: number }
  /** A key; `inline` is the comment after its value as written (from `#`), if any. */
  | { kind: 'entry'; entry: Entry; inline: string | null };

const isWs = (c: string | undefined) => c === ' ' || c === '\t';

/** Offsets of the start of each line (0-based line index). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  let end = nl < 0 ? text.length : nl;
  if (end > from && text[end - 1] === '\r') end--;
  return end;
}

/** The comment after an entry's value, and the last line (1-based) the entry spans; `null` when the text does not read as the core read it. */
export function scanEntry(text: string, starts: number[], e: Entry): { inline: string | null; lastLine: number } | null {
  let pos = starts[e.line - 1];
  if (pos === undefined) return null;
  const skip = () => {
    while (isWs(text[pos])) pos++;
  };
  skip();
  if (e.exported) {
    if (!text.startsWith('export', pos)) return null;
    pos += 6;
    skip();
  }
  if (!text.startsWith(e.key, pos)) return null;
  pos += e.key.length;
  skip();
  if (text[pos] !== '=') return null;
  pos++;
  skip();
  let line = e.line;
  const q = text[pos];
  if (q === '"' || q === "'") {
    if (e.quote !== (q === '"' ? 'double' : 'single')) return null;
    let value = '';
    let i = pos + 1;
    for (;;) {
      const c = text[i];
      if (c === undefined) return null;
      if (c === '\\') {
        const next = text[i + 1];
        const decoded =
          q === '"' ? ({ n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', $: '$' } as Record<string, string>)[next ?? ''] : next === "'" ? "'" : undefined;
        if (decoded !== undefined) {
          value += decoded;
          i += 2;
        } else {
          value += c;
          i += 1;
        }
      } else if (c === '\r' && text[i + 1] === '\n') {
        value += '\n';
        line++;
        i += 2;
      } else if (c === q) {
        i++;
        break;
      } else {
        if (c === '\n') line++;
        value += c;
        i++;
      }
    }
    if (value !== e.value) return null;
    while (isWs(text[i])) i++;
    const end = lineEnd(text, i);
    if (i === end) return { inline: null, lastLine: line };
    if (text[i] !== '#') return null;
    return { inline: text.slice(i, end).trimEnd(), lastLine: line };
  }
  if (e.quote !== 'none') return null;
  const end = lineEnd(text, pos);
  const seg = text.slice(pos, end);
  let cut = seg.length;
  if (seg.startsWith('#')) cut = 0;
  else
    for (let i = 1; i < seg.length; i++)
      if (seg[i] === '#' && isWs(seg[i - 1])) {
        cut = i;
        break;
      }
  let t = cut;
  while (t > 0 && isWs(seg[t - 1])) t--;
  if (seg.slice(0, t) !== e.value) return null;
  return { inline: cut < seg.length ? seg.slice(cut).trimEnd() : null, lastLine: line };
}

/** A comment line's text as the core keeps it in `Entry.comments` (`split_comments` in dotenv/mod.rs). */
function body(raw: string): string {
  const b = raw.replace(/^#+/, '');
  return (b.startsWith(' ') ? b.slice(1) : b).trimEnd();
}
const isTags = (raw: string) => body(raw).trimStart().startsWith('@tags:');

const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The entries' own comments, as the core gives them, each written back with `# `. */
function fallback(entries: Entry[]): Row[] {
  return entries.flatMap((entry): Row[] => [
    ...(entry.comments.length ? [{ kind: 'comment' as const, lines: entry.comments.map((c) => `# ${c}`), line: entry.line - 1 }] : []),
    { kind: 'entry', entry, inline: null },
  ]);
}

/** Rows for the table: comment blocks (consecutive comment lines) where they stand, then each key. */
export function tableRows(text: string, entries: Entry[]): Row[] {
  const starts = lineStarts(text);
  const scans = entries.map((e) => scanEntry(text, starts, e));
  if (scans.some((s) => s === null)) return fallback(entries);
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  // Lines that belong to a key (a quoted value may span several).
  const owned = new Map<number, number>(); // 1-based first line → index of the entry
  const inside = new Set<number>();
  entries.forEach((e, i) => {
    owned.set(e.line, i);
    for (let l = e.line; l <= scans[i]!.lastLine; l++) inside.add(l);
  });
  const rows: Row[] = [];
  let block: { lines: string[]; line: number } | null = null;
  const flush = () => {
    if (block?.lines.length) rows.push({ kind: 'comment', ...block });
    block = null;
  };
  for (let n = 1; n <= lines.length; n++) {
    const i = owned.get(n);
    if (i !== undefined) {
      const e = entries[i];
      // The comment lines directly above are the entry's: they must be what the core read.
      const above: string[] = [];
      for (let l = n - 1; l >= 1 && !inside.has(l) && lines[l - 1].trim().startsWith('#'); l--) above.unshift(lines[l - 1].trim());
      if (!same(above.filter((l) => !isTags(l)).map(body), e.comments)) return fallback(entries);
      // Its `@tags:` line is shown as the entry's tags, not again as a comment.
      // (The block being gathered is exactly the lines above: any other line ends a block.)
      if (block) (block as { lines: string[] }).lines = above.filter((l) => !isTags(l));
      flush();
      rows.push({ kind: 'entry', entry: e, inline: scans[i]!.inline });
      continue;
    }
    if (inside.has(n)) continue;
    const t = lines[n - 1].trim();
    if (t.startsWith('#')) {
      block ??= { lines: [], line: n };
      block.lines.push(t);
    } else flush();
  }
  flush();
  return rows;
}
