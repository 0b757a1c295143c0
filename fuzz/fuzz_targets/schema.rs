//! The schema of secrets (issue 16) on any input: the first line is a type as written after `@type:`,
//! the rest a value and then a `.env` text (split at the first NUL). Never panics; a type that parses
//! prints back to a text that parses to the same type; checking a value gives an answer whose reason
//! is made of fixed words and the type's own text, never the value's; a text's annotations, laid over themselves as two levels, check its own
//! values without panicking, and its lints name lines inside the text.
#![no_main]

use envdesk_core::dotenv::Document;
use envdesk_core::merge::LevelKind;
use envdesk_core::schema::{check, level_schema, CheckContext, Patterns, Schema, ValueType};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    let (ty, rest) = input.split_once('\n').unwrap_or((input, ""));
    let (value, text) = rest.split_once('\0').unwrap_or((rest, ""));
    if let Ok(t) = ValueType::parse(ty) {
        let again = ValueType::parse(&t.to_string()).expect("a type prints back to a type");
        assert_eq!(again, t, "{t}");
        if let Err(reason) = t.check(value, &mut Patterns::default()) {
            // A reason is fixed words, numbers and the type's own text (`regex(…)` names its pattern),
            // never the value's. So every character of it comes from those, and a value holding any
            // other character cannot appear in it. (Asserting only "the reason does not contain the
            // value" was wrong twice: a value can be a piece of the type's text, or — found by CI —
            // a piece of the reason's words and the pattern together, `not match `(a+)@@3…`.)
            let type_text = t.to_string();
            let from_words_or_type =
                |c: char| c.is_ascii_alphanumeric() || " `(),.:-…".contains(c) || type_text.contains(c);
            assert!(reason.chars().all(from_words_or_type), "a reason has a character from elsewhere");
            if !value.chars().all(from_words_or_type) {
                assert!(!reason.contains(value), "a reason holds the value");
            }
        }
    }
    if let Ok(doc) = Document::parse(text) {
        let own = level_schema(&doc);
        let schema = Schema::of_levels([(LevelKind::Project, &own), (LevelKind::Environment, &own)]);
        let never = |_: &str| None;
        let ctx = CheckContext {
            today: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            warn_days: 14,
            last_changed: &never,
        };
        let _ = check(&schema, &doc.vars(), &ctx);
        let lines = text.split('\n').count();
        for l in doc.lint_in(&[(LevelKind::Project, &own)], LevelKind::Environment) {
            assert!(l.line >= 1 && l.line <= lines, "lint line {} of {lines}", l.line);
        }
        for p in &own.problems {
            assert!(p.line >= 1 && p.line <= lines);
        }
    }
});
