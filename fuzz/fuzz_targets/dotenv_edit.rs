//! Edits of a parsed document with arbitrary keys and values — `set`, `set_many`, `rename`,
//! `remove`: an invalid key is refused and changes nothing; otherwise the result reparses to itself,
//! `get` returns what was set, every other key keeps its value, and every other line keeps its bytes.
//!
//! "Other lines keep their bytes" is checked without knowing where the edited line is: removing the
//! edited key from the document before and after the edit must give the same text.
#![no_main]

use arbitrary::{Result, Unstructured};
use envdesk_core::dotenv::{is_valid_key, Document, EditError};
use envdesk_core::Vars;
use envdesk_fuzz::{check_document, key, split_input, value};
use libfuzzer_sys::fuzz_target;

fn without(doc: &Document, key: &str) -> String {
    let mut d = doc.clone();
    d.remove(key);
    d.to_string()
}

fn reparsed(doc: &Document) -> Document {
    let text = doc.to_string();
    let again = Document::parse(&text).unwrap_or_else(|e| panic!("an edit produced unparsable text: {e}"));
    check_document(&again, &text);
    again
}

/// Checks one `set` of a valid key: the value, the other keys, and the other bytes.
fn check_set(before: &Document, after: &Document, k: &str, v: &str) {
    let after = reparsed(after);
    assert_eq!(after.get(k), Some(v), "get returns what was set");
    let mut expected: Vars = before.vars();
    expected.insert(k.to_owned(), v.to_owned());
    assert_eq!(after.vars(), expected, "other keys keep their values");
    let named = has_line(before, k);
    if before.vars().contains_key(k) || !named {
        // (A key written without `=` becomes defined where it stands, not last.)
        assert!(after.vars().keys().eq(expected.keys()), "order kept; a new key goes last");
    }
    let (old, new) = (before.to_string(), after.to_string());
    if named {
        assert_eq!(without(before, k), without(&after, k), "only the edited line changes");
    } else {
        // Appended: the old text, a line ending if it had none, then the new line.
        let rest = new.strip_prefix(old.as_str()).expect("an appended key keeps the text before it");
        let rest = if old.is_empty() || old.ends_with('\n') {
            rest
        } else {
            rest.strip_prefix("\r\n").or_else(|| rest.strip_prefix('\n')).unwrap_or(rest)
        };
        let line = Document::parse(rest).expect("the appended line parses alone");
        assert_eq!(line.vars().len(), 1);
        assert_eq!(line.get(k), Some(v));
    }
}

/// Whether a line assigns or names `k`.
fn has_line(doc: &Document, k: &str) -> bool {
    let mut d = doc.clone();
    d.remove(k)
}

fn run(text: &str, u: &mut Unstructured<'_>) -> Result<()> {
    let Ok(mut doc) = Document::parse(text) else { return Ok(()) };
    for _ in 0..u.int_in_range(1..=4)? {
        let existing: Vec<String> = doc.entries().into_iter().map(|e| e.key).collect();
        let before = doc.clone();
        match u.int_in_range(0..=3)? {
            0 => {
                let (k, v) = (key(u, &existing)?, value(u)?);
                match doc.set(&k, &v) {
                    Ok(()) => {
                        assert!(is_valid_key(&k));
                        check_set(&before, &doc, &k, &v);
                    }
                    Err(EditError::InvalidKey(bad)) => {
                        assert!(!is_valid_key(&k) && bad == k);
                        assert_eq!(doc, before, "a refused edit changes nothing");
                    }
                    Err(e) => panic!("set refused a valid key: {e}"),
                }
            }
            1 => {
                let mut pairs = Vec::new();
                for _ in 0..u.int_in_range(0..=6)? {
                    pairs.push((key(u, &existing)?, value(u)?));
                }
                // The same as `set` one pair after another, stopping at the first invalid key.
                let mut one_by_one = doc.clone();
                let mut expected_err = None;
                for (k, v) in &pairs {
                    if let Err(e) = one_by_one.set(k, v) {
                        expected_err = Some(e);
                        break;
                    }
                }
                let got = doc.set_many(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                assert_eq!(got.err(), expected_err, "set_many fails as set would");
                assert_eq!(doc.to_string(), one_by_one.to_string(), "set_many = set one after another");
                let after = reparsed(&doc);
                if expected_err.is_none() {
                    let mut last: Vars = Vars::new();
                    for (k, v) in &pairs {
                        last.insert(k.clone(), v.clone());
                    }
                    for (k, v) in &last {
                        assert_eq!(after.get(k), Some(v.as_str()));
                    }
                }
            }
            2 => {
                let (from, to) = (key(u, &existing)?, key(u, &existing)?);
                let had_from = before.entries().iter().any(|e| e.key == from) || has_line(&before, &from);
                match doc.rename(&from, &to) {
                    Ok(()) => {
                        assert!(is_valid_key(&to));
                        let after = reparsed(&doc);
                        if from != to {
                            assert!(had_from);
                            assert_eq!(without(&before, &from), without(&after, &to), "only the key bytes change");
                            assert_eq!(after.get(&to), before.get(&from));
                            assert_eq!(after.get(&from), None);
                        } else {
                            assert_eq!(doc, before);
                        }
                    }
                    Err(EditError::InvalidKey(_)) => {
                        assert!(!is_valid_key(&to));
                        assert_eq!(doc, before);
                    }
                    Err(EditError::KeyExists(k)) => {
                        assert_eq!(k, to);
                        assert_eq!(doc, before);
                    }
                    Err(EditError::NoSuchKey(k)) => {
                        assert_eq!(k, from);
                        assert!(!had_from);
                        assert_eq!(doc, before);
                    }
                    Err(e) => panic!("unexpected rename error: {e}"),
                }
            }
            _ => {
                let k = key(u, &existing)?;
                let removed = doc.remove(&k);
                let after = reparsed(&doc);
                assert_eq!(after.get(&k), None);
                assert!(after.entries().iter().all(|e| e.key != k));
                let mut expected = before.vars();
                expected.shift_remove(&k);
                assert_eq!(after.vars(), expected, "other keys keep their values");
                if !removed {
                    assert_eq!(doc, before);
                }
                // Only whole lines go: the new lines are a subsequence of the old ones.
                let (old, new) = (before.to_string(), doc.to_string());
                let (old, new) = (old.trim_start_matches('\u{feff}'), new.trim_start_matches('\u{feff}'));
                let mut old_lines = old.split_inclusive('\n');
                for l in new.split_inclusive('\n') {
                    assert!(old_lines.any(|o| o == l), "remove only deletes lines");
                }
            }
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let (text, ops) = split_input(data);
    let Ok(text) = std::str::from_utf8(text) else { return };
    let _ = run(text, &mut Unstructured::new(ops));
});
