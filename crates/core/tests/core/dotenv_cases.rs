//! `tests/data/dotenv/cases`: where every peer agrees (`NAME.expected.json`) we give exactly that;
//! everywhere else `docs/dotenv.md` decides, and the expectation is written here with the reason.

use std::collections::BTreeSet;

use envdesk_core::dotenv::{Document, LintCode, ParseErrorKind};

use super::{test_data, vars};

enum Expect {
    Vars(&'static [(&'static str, &'static str)]),
    Error { line: usize, column: usize },
}
use Expect::*;

/// Each undecided case: what envdesk reads, why, and what the linter must say.
fn decided(name: &str) -> Option<(Expect, &'static [LintCode], &'static str)> {
    Some(match name {
        "backticks" => (
            Vars(&[("A", "`back tick`"), ("B", "`has 'single' and \"double\"`")]),
            &[LintCode::Backticks, LintCode::Backticks],
            "backticks are ordinary characters (dotenv.md), linted: dotenv and dotenvx treat them as quotes",
        ),
        "colon_separator" => (Error { line: 1, column: 2 }, &[], "`KEY: value` is an error (\"expected `=`\")"),
        "command_subst" => (
            Vars(&[("A", "$(echo hi)")]),
            &[LintCode::WhitespaceInUnquotedValue, LintCode::DollarWithoutName],
            "no command substitution; the text is the value (dotenvy drops the `$` no name follows: linted)",
        ),
        "comment_glued_after_quote" => (
            Vars(&[("A", "quoted")]),
            &[],
            "after a closing quote only whitespace and a comment may follow; `#` starts it even when glued",
        ),
        "crlf" => (
            Vars(&[("A", "1"), ("B", "two words"), ("C", "quoted")]),
            &[LintCode::WhitespaceInUnquotedValue],
            "CRLF is a line end; inner spaces kept (dotenvy rejects them: linted)",
        ),
        "crlf_multiline" => (
            Vars(&[("A", "l1\nl2"), ("B", "x")]),
            &[],
            "a CRLF inside quotes reads as LF, as compose-go (and python, node, dotenvx) do",
        ),
        "double_quote_carriage_escape" => (Vars(&[("A", "cr\rhere")]), &[], "`\\r` is an escape in double quotes"),
        "double_quotes_unknown_escape" => (
            Vars(&[("A", "a\\qb$c")]),
            &[LintCode::DollarEscape, LintCode::UnknownEscape],
            "`\\$` is an escape (so no reference); any other backslash is kept as typed",
        ),
        "duplicate_keys" => (Vars(&[("DUP", "second")]), &[LintCode::DuplicateKey], "last wins, linted"),
        "empty_quotes" => (Vars(&[("S", ""), ("D", ""), ("B", "``")]), &[LintCode::Backticks], "backticks are text"),
        "escaped_single_in_single" => {
            (Vars(&[("A", "it's")]), &[LintCode::SingleQuoteEscape], "`\\'` is the one escape of single quotes")
        }
        "export_no_value" => {
            (Vars(&[("A", "1")]), &[LintCode::KeyWithoutValue], "a key with no `=` defines nothing, linted")
        }
        "hash_after_space_only" => (
            Vars(&[("A", "")]),
            &[LintCode::EmptyValueBeforeComment],
            "a `#` after whitespace starts a comment; python-dotenv reads it as the value: linted",
        ),
        "hash_no_space" => (Vars(&[("A", "val#notcomment")]), &[LintCode::HashInValue], "`#` glued to text is text"),
        "hash_start_value" => (
            Vars(&[("A", "")]),
            &[LintCode::ValueStartsWithHash],
            "a value that starts with `#` is empty (dotenv.md), linted",
        ),
        "inner_ws_unquoted" => (
            Vars(&[("A", "two  spaces\tand tab")]),
            &[LintCode::WhitespaceInUnquotedValue],
            "inner whitespace kept; dotenvy rejects it: linted",
        ),
        "interp_braced" => {
            (Vars(&[("A", "hello"), ("B", "${A}_world")]), &[LintCode::Interpolation], "no interpolation at parse time")
        }
        "interp_default" => (
            Vars(&[("B", "${NOPE_UNDEFINED_VAR:-fallback}")]),
            &[LintCode::Interpolation],
            "no interpolation at parse time",
        ),
        "interp_escaped_dollar" => (
            Vars(&[("A", "hello"), ("B", "\\${A}"), ("C", "${A}")]),
            &[LintCode::Interpolation, LintCode::DollarEscape],
            "unquoted values have no escapes; `\\$` in double quotes is `$`, a literal (no reference)",
        ),
        "interp_forward_ref" => {
            (Vars(&[("B", "${A}"), ("A", "later")]), &[LintCode::Interpolation], "no interpolation at parse time")
        }
        "interp_single_quotes" => (
            Vars(&[("A", "hello"), ("B", "${A}")]),
            &[LintCode::SingleQuotedInterpolation],
            "single quotes are literal; python-dotenv expands `${…}` in them all the same: linted",
        ),
        "interp_undefined" => {
            (Vars(&[("B", "x${NOPE_UNDEFINED_VAR}y")]), &[LintCode::Interpolation], "no interpolation at parse time")
        }
        "key_dot_dash" => (
            Vars(&[("A.B", "dots"), ("C-D", "dashes"), ("E_F", "under")]),
            &[LintCode::KeyNotPortable, LintCode::KeyNotPortable],
            "`.` and `-` are key characters; not shell names: linted",
        ),
        "key_lowercase_unicode" => (Error { line: 2, column: 3 }, &[], "a non-ASCII key is an error"),
        "multiline_backtick" => (
            Error { line: 2, column: 6 },
            &[],
            "backticks are not quotes, so line 2 is a key `line2` followed by a backtick: an error",
        ),
        "nbsp_value" => (
            Vars(&[("A", "b\u{a0} c")]),
            &[LintCode::WhitespaceInUnquotedValue],
            "only space and tab are whitespace to the grammar; the value keeps the NBSP",
        ),
        "no_equals_line" => (Vars(&[("A", "1")]), &[LintCode::KeyWithoutValue], "defines nothing, linted"),
        "quote_mid_value" => (
            Vars(&[("A", "abc\"def\"ghi")]),
            &[LintCode::QuoteInUnquotedValue],
            "quotes inside an unquoted value are text; dotenvy strips them: linted",
        ),
        "quoted_key" => (Error { line: 1, column: 1 }, &[], "keys are not quoted"),
        "single_quotes_literal" => {
            (Vars(&[("A", "literal $HOME \\n \\t \\\\ end")]), &[], "single quotes are literal except `\\'`")
        }
        "text_after_closing_quote" => (Error { line: 1, column: 11 }, &[], "only a comment may follow a closing quote"),
        "unterminated_double" => {
            (Error { line: 1, column: 3 }, &[], "an unterminated quote is an error at the opening quote")
        }
        "unterminated_single" => {
            (Error { line: 1, column: 3 }, &[], "an unterminated quote is an error at the opening quote")
        }
        "utf8_values" => (
            Vars(&[("A", "héllo wörld ✓"), ("B", "日本語"), ("C", "emoji😀")]),
            &[LintCode::WhitespaceInUnquotedValue],
            "UTF-8 values are kept",
        ),
        _ => return None,
    })
}

#[test]
fn every_case() {
    let dir = test_data().join("dotenv/cases");
    let names: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".env").map(str::to_owned)
        })
        .collect();
    assert!(names.len() >= 45, "found {} cases", names.len());
    let (mut agreed, mut by_doc) = (0, 0);
    for name in &names {
        let text = std::fs::read_to_string(dir.join(format!("{name}.env"))).unwrap();
        let expected_path = dir.join(format!("{name}.expected.json"));
        let parsed = Document::parse(&text);
        if expected_path.exists() {
            // Read straight into an ordered map (a `serde_json::Value` would sort the keys).
            #[derive(serde::Deserialize)]
            struct Expected {
                expected_vars: envdesk_core::Vars,
            }
            let exp: Expected = serde_json::from_str(&std::fs::read_to_string(&expected_path).unwrap()).unwrap();
            let exp = exp.expected_vars;
            let doc = parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(doc.vars(), exp, "{name}");
            assert!(doc.vars().keys().eq(exp.keys()), "{name}: order");
            assert_eq!(doc.to_string(), text, "{name}: round trip");
            agreed += 1;
            continue;
        }
        let (expect, lints, why) = decided(name).unwrap_or_else(|| panic!("case {name} has no decision in this test"));
        match expect {
            Vars(pairs) => {
                let doc = parsed.unwrap_or_else(|e| panic!("{name} ({why}): {e}"));
                assert_eq!(doc.vars(), vars(pairs), "{name}: {why}");
                assert!(doc.vars().keys().eq(vars(pairs).keys()), "{name}: order");
                assert_eq!(doc.to_string(), text, "{name}: round trip");
                let codes: Vec<LintCode> = doc.lint().iter().map(|l| l.code).collect();
                assert_eq!(codes, lints, "{name}: lints ({why})");
            }
            Error { line, column } => {
                let e = parsed.expect_err(&format!("{name} must fail: {why}"));
                assert_eq!((e.line(), e.column()), (line, column), "{name}: {e}");
                assert!(!e.message().is_empty());
            }
        }
        by_doc += 1;
    }
    assert!(agreed >= 10 && by_doc >= 30, "agreed {agreed}, decided {by_doc}");
}

#[test]
fn error_messages_name_the_problem() {
    let e = Document::parse("A: 1\n").unwrap_err();
    assert_eq!(e.kind(), &ParseErrorKind::ColonSeparator);
    assert_eq!(e.to_string(), "line 1, column 2: expected `=` between key and value, found `:`");
    let e = Document::parse("OK=1\nclé=2\n").unwrap_err();
    assert_eq!(e.to_string(), "line 2, column 3: `é` is not allowed in a key (use letters, digits, `_`, `.` or `-`)");
    let e = Document::parse("A=\"secret-value\nB=2\n").unwrap_err();
    assert!(!e.to_string().contains("secret-value"), "errors never quote values: {e}");
    let e = Document::parse("A=1\rB=2").unwrap_err();
    assert_eq!((e.line(), e.column(), e.kind()), (1, 4, &ParseErrorKind::LoneCarriageReturn));
    let e = Document::parse("A=\"x\" trailing-secret\n").unwrap_err();
    assert!(!e.to_string().contains("trailing-secret"));
    let e = Document::parse_bytes(b"A=1\nB=\xff\n").unwrap_err();
    assert_eq!((e.line(), e.column(), e.kind()), (2, 3, &ParseErrorKind::NotUtf8));
    let e = Document::parse_bytes(b"\xff\xfeA\x00=\x001\x00").unwrap_err();
    assert_eq!(e.kind(), &ParseErrorKind::Utf16);
    // A text of more lines than envdesk reads (each line costs ~100 bytes parsed: a 64 MiB answer of
    // blank lines took ~6 GB) is refused at the first line past them; one at the bound parses.
    let max = envdesk_core::dotenv::MAX_ITEMS;
    assert_eq!(Document::parse(&"A=1\n".repeat(max)).unwrap().vars().len(), 1);
    let e = Document::parse(&format!("{}\"x\ny\"\n", "\n".repeat(max))).unwrap_err();
    assert_eq!((e.line(), e.column(), e.kind()), (max + 1, 1, &ParseErrorKind::TooManyLines));
    assert_eq!(e.message(), "the text has more than 1000000 lines, more than envdesk reads");
}

#[test]
fn bom_is_stripped_and_kept() {
    let text = "\u{feff}A=1\n";
    let doc = Document::parse(text).unwrap();
    assert!(doc.vars().contains_key("A"));
    assert_eq!(doc.to_string(), text);
    assert_eq!(doc.lint()[0].code, LintCode::ByteOrderMark);
}
