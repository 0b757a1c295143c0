//! The schema of secrets (issue 16) on any input: the first line is a type as written after `@type:`,
//! the rest a value and then a `.env` text (split at the first NUL). Never panics; a type that parses
//! prints back to a text that parses to the same type; checking a value gives an answer whose reason
//! never holds a long value (other than as part of the type's own text); a text's annotations, laid over themselves as two levels, check its own
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
            // (A reason may quote the type itself — `regex(…)` names its pattern — which can hold the
            // value's text: found by this target in its first minute.)
            if value.chars().count() >= 24 && !t.to_string().contains(value) {
                assert!(!reason.contains(value), "a reason holds the value");
            }
        }
    }
    if let Ok(doc) = Document::parse(text) {
        let own = level_schema(&doc);
        let schema = Schema::of_levels([(LevelKind::Project, &own), (LevelKind::Environment, &own)]);
        let never = |_: &str| None;
        let ctx = CheckContext { today: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), warn_days: 14, last_changed: &never };
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
