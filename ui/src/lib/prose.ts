// Messages written by the Rust side (envdesk-core's parse errors and lints, the app's errors) mark code
// with Markdown backticks: "expected `=` after the key", "`DB` is already set on line 2". On screen a
// sentence shows quotation marks instead: “=”, “DB”.
import type { AnalysisDto } from './bindings';

/** `message` with each `code` span shown as “code”. */
export function prose(message: string): string {
  // A backtick named as a character (`` ` `` written as three backticks) is quoted first.
  return message.replace(/```/g, '“`”').replace(/`([^`\n]+)`/g, '“$1”');
}

/** An analysis with its messages (the parse error, each lint and its fix's title) in prose. */
export function proseAnalysis(a: AnalysisDto): AnalysisDto {
  return {
    ...a,
    parse_error: a.parse_error && { ...a.parse_error, message: prose(a.parse_error.message) },
    lints: a.lints.map((l) => ({ ...l, message: prose(l.message), fix: l.fix && { ...l.fix, title: prose(l.fix.title) } })),
  };
}
