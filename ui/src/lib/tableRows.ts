// The rows of the table view of one level: each key, and each comment block as written, where it stands.
//
// Everything here comes from envdesk-core's analysis (`Document::entries` and `Document::comment_blocks`
// in crates/core/src/dotenv/mod.rs): the entries with the comment after each value, and the blocks of
// comment lines as written. The webview does not read `.env` text itself; this only puts the two lists
// in line order.
import type { Analysis, CommentBlock, Entry } from './types';

export type Row =
  /** Comment lines as written (trimmed), shown as a full-width row above what follows them. */
  | { kind: 'comment'; lines: string[]; line: number }
  /** A key; `inline` is the comment after its value as written (from `#`), if any. */
  | { kind: 'entry'; entry: Entry; inline: string | null };

/** Comment blocks and entries, in the order of their lines. */
export function tableRows(analysis: Pick<Analysis, 'entries' | 'comment_blocks'> | null): Row[] {
  if (!analysis) return [];
  const blocks: CommentBlock[] = analysis.comment_blocks ?? [];
  const rows: Row[] = [];
  let b = 0;
  for (const entry of analysis.entries) {
    for (; b < blocks.length && blocks[b].line < entry.line; b++) rows.push({ kind: 'comment', lines: blocks[b].lines, line: blocks[b].line });
    rows.push({ kind: 'entry', entry, inline: entry.inline_comment ?? null });
  }
  for (; b < blocks.length; b++) rows.push({ kind: 'comment', lines: blocks[b].lines, line: blocks[b].line });
  return rows;
}
