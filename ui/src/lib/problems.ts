// The problems of a text: every parse error and lint, at once (see also goto.svelte.ts).
import { ipc } from './ipc';
import type { Analysis, ParseErrorInfo } from './types';

/** One line of the problems list. */
export interface Problem {
  line: number;
  /** 1-based; null for a lint (it is about the whole line). */
  column: number | null;
  severity: 'error' | 'warning' | 'info';
  message: string;
}

/** How many broken lines are looked for past the first (the parser stops at the first). */
const MAX_PARSE_ERRORS = 20;

/** Where `text` first fails to parse, or null when it parses. (Nothing is cached here: texts are secrets.) */
export async function parseErrorOf(text: string): Promise<ParseErrorInfo | null> {
  return (await ipc.analyzeText({ text })).parse_error;
}

/**
 * Every problem of a text, in line order. The parser stops at the first broken line, so that line is
 * blanked (the numbers of the others kept) and the rest parsed again, until it parses (at most
 * `MAX_PARSE_ERRORS` broken lines); the lints are those of what then parses.
 */
export async function problemsOf(text: string, first?: Analysis): Promise<Problem[]> {
  const out: Problem[] = [];
  let a = first ?? (await ipc.analyzeText({ text }));
  let lines: string[] | null = null;
  const blanked = new Set<number>();
  while (a.parse_error && blanked.size < MAX_PARSE_ERRORS) {
    const e = a.parse_error;
    // A line that stays broken once blank: nothing more to find.
    if (blanked.has(e.line)) break;
    out.push({ line: e.line, column: e.column, severity: 'error', message: e.message });
    lines ??= text.split('\n');
    if (e.line < 1 || e.line > lines.length) break;
    blanked.add(e.line);
    lines[e.line - 1] = '';
    a = await ipc.analyzeText({ text: lines.join('\n') });
  }
  if (!a.parse_error) {
    for (const l of a.lints) out.push({ line: l.line, column: null, severity: l.severity, message: l.message });
  }
  const rank = { error: 0, warning: 1, info: 2 };
  return out.sort((x, y) => x.line - y.line || rank[x.severity] - rank[y.severity]);
}

/** The broken lines of `problems` in words: "line 3", "lines 3 and 5", "lines 3, 5 and 9". */
export function linesInWords(lines: number[]): string {
  const ls = [...new Set(lines)].sort((a, b) => a - b);
  if (ls.length <= 1) return `line ${ls[0] ?? '?'}`;
  return `lines ${ls.slice(0, -1).join(', ')} and ${ls[ls.length - 1]}`;
}
