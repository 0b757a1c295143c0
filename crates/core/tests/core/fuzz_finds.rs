//! Inputs the fuzz targets (`fuzz/`, docs/fuzzing.md) found, each minimised into a test.

use envdesk_core::dotenv::{Document, ImportError};

/// json_import: serde_json reports column 0 for an error at the very start of a line (an empty
/// input, a line break where a value should be); an import error's columns are 1-based.
#[test]
fn json_import_error_columns_are_one_based() {
    for (text, line) in [("", 1), ("{\"A\":\n", 2), ("{\n", 2), ("\n\n", 3)] {
        match Document::from_json(text) {
            Err(ImportError::NotJson { line: l, column }) => {
                assert_eq!(l, line, "{text:?}");
                assert!(column >= 1, "{text:?}: column {column}");
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
}

/// Columns of JSON errors count characters, as `.env` parse errors do, not bytes.
#[test]
fn json_import_error_columns_count_characters() {
    let Err(ImportError::NotJson { line, column }) = Document::from_json("{\"é\": x}") else { panic!() };
    assert_eq!((line, column), (1, 7));
}

/// template_resolve (reported to the lead, who owns `template.rs`): a key's error depends on the
/// order of the keys. Resolving `F` first expands the `:?` message `$E`, which reaches `F` again; that
/// cycle is swallowed (the message falls back to its text) but `E` stays remembered as a cycle. In
/// the other order `E` fails with `F`'s `Required`.
#[test]
fn template_errors_do_not_depend_on_key_order() {
    use envdesk_core::template;
    let a: envdesk_core::Vars = super::vars(&[("F", "${C:?$E}"), ("E", "$F")]);
    let b: envdesk_core::Vars = super::vars(&[("E", "$F"), ("F", "${C:?$E}")]);
    let (ra, rb) = (template::resolve(&a), template::resolve(&b));
    for k in ["E", "F"] {
        assert_eq!(ra.errors.get(k), rb.errors.get(k), "`{k}`");
    }
}

/// template_resolve (reported to the lead): an operand of `${B:+…}` is expanded with `B` on the
/// chain, so an operand that reaches `B` through another key (`$C`, with `C=$B`) is taken for a
/// cycle — though `B` is plain text — and only when `C` was not resolved before: `D` fails or
/// resolves depending on the order of the keys.
#[test]
fn template_operand_is_not_a_cycle_of_its_variable() {
    use envdesk_core::template;
    let a: envdesk_core::Vars = super::vars(&[("B", "x"), ("D", "${B:+$C}"), ("C", "$B")]);
    let b: envdesk_core::Vars = super::vars(&[("C", "$B"), ("D", "${B:+$C}"), ("B", "x")]);
    for vars in [a, b] {
        let r = template::resolve(&vars);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(r.values["D"], "x");
    }
}

/// json_import: a key given twice takes its last value, as JavaScript's `JSON.parse` does — even
/// when an earlier value was not a string (the fuzzer met this; it is the documented behaviour).
#[test]
fn json_import_duplicate_keys_take_the_last_value() {
    let doc = Document::from_json(r#"{"A": {"x": 1}, "B": "b", "A": "a"}"#).unwrap();
    assert_eq!(doc.to_string(), "A=a\nB=b\n");
    assert!(matches!(Document::from_json(r#"{"A": "a", "A": 1}"#), Err(ImportError::NotAString { .. })));
}

/// template_resolve (after the fixes above; reported to the lead): `D`'s `:?` message expands in one
/// key order and stays as written in the other, so `_H`, which reaches `D`, fails with a different
/// message depending on the order.
#[test]
fn template_required_message_does_not_depend_on_key_order() {
    use envdesk_core::template;
    let pairs = [
        ("A", ""),
        ("F", "${NOPE:-${NOPE:-${A:-}}}x"),
        ("_H", "${NOPE:-${NOPE:-${D}${C}}}}"),
        ("D", "${A:-${NOPE:?${NOPE:-${B}${A}$NOPE}}}"),
        ("B", "\\$$Fé${A}${}$E${A}${A}"),
    ];
    let forward: envdesk_core::Vars = super::vars(&pairs);
    let reversed: envdesk_core::Vars = forward.iter().rev().map(|(k, v)| (k.clone(), v.clone())).collect();
    let (a, b) = (template::resolve(&forward), template::resolve(&reversed));
    for k in forward.keys() {
        assert_eq!(a.errors.get(k), b.errors.get(k), "`{k}`");
    }
}

/// `schema` fuzz target (2026-12-02, CI's ten seconds): a period ending in a multi-byte character
/// (`@rotate-every: 9Е`, a Cyrillic Е) was split inside that character and panicked. Now it is an
/// annotation written wrongly, linted at its line.
#[test]
fn a_period_ending_in_a_multibyte_character_is_a_lint() {
    let doc = envdesk_core::dotenv::Document::parse("# @rotate-every: 9\u{415}\nKEY=1\n").unwrap();
    let lints = doc.lint();
    assert!(
        lints.iter().any(|l| l.line == 1 && l.code == envdesk_core::dotenv::LintCode::AnnotationInvalid),
        "{lints:?}"
    );
}
