//! What the fuzz targets share: turning the fuzzer's bytes into keys, values and variable sets that
//! reach the interesting cases often (quotes, escapes, references, line endings), and the checks
//! several targets make.

use arbitrary::{Arbitrary, Result, Unstructured};
use envdesk_core::dotenv::{is_valid_key, Document};
use envdesk_core::Vars;

/// Characters that matter to the dialect's quoting, to templates and to the export formats.
const TRICKY: &[char] = &[
    '\'', '"', '\\', '$', '{', '}', '#', ' ', '\t', '\n', '\r', '=', '`', '\0', ':', '-', '+', '?', 'a', 'B', '_', '0',
    '.', 'é', '\u{feff}', '\u{2028}', '\u{7f}', '!', '&', '*', ';', '(', ')', '~', '[', ',',
];

const KEY_FIRST: &[u8] = b"ABCXYZabcxyz_";
const KEY_REST: &[u8] = b"ABC_abc019.-";

/// Splits a target's input into a text (before the first `"\n\0"`, or all of it) and the bytes
/// that drive the operations (after it). Seed corpora are plain files, so they are all text.
pub fn split_input(data: &[u8]) -> (&[u8], &[u8]) {
    match data.windows(2).position(|w| w == b"\n\0") {
        Some(i) => (&data[..=i], &data[i + 2..]),
        None => (data, &[]),
    }
}

/// A value: sometimes any string, mostly a string of the characters that matter.
pub fn value(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(1, 4)? {
        return String::arbitrary(u);
    }
    let len = u.int_in_range(0..=24)?;
    let mut s = String::with_capacity(len);
    for _ in 0..len {
        s.push(*u.choose(TRICKY)?);
    }
    Ok(s)
}

/// A key the dialect accepts (`[A-Za-z_][A-Za-z0-9_.-]*`), short, so that keys collide often.
pub fn valid_key(u: &mut Unstructured<'_>) -> Result<String> {
    let mut k = String::new();
    k.push(char::from(*u.choose(KEY_FIRST)?));
    for _ in 0..u.int_in_range(0..=3)? {
        k.push(char::from(*u.choose(KEY_REST)?));
    }
    debug_assert!(is_valid_key(&k));
    Ok(k)
}

/// A key: mostly valid, sometimes one of `existing`, sometimes any string.
pub fn key(u: &mut Unstructured<'_>, existing: &[String]) -> Result<String> {
    Ok(match u.int_in_range(0..=7)? {
        0 => String::arbitrary(u)?,
        1..=3 if !existing.is_empty() => u.choose(existing)?.clone(),
        _ => valid_key(u)?,
    })
}

/// A variable set with valid keys.
pub fn vars(u: &mut Unstructured<'_>, max: usize) -> Result<Vars> {
    let mut out = Vars::new();
    for _ in 0..u.int_in_range(0..=max)? {
        out.insert(valid_key(u)?, value(u)?);
    }
    Ok(out)
}

/// Lines of `text`, each with its line ending.
pub fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// 1-based number of the last line of `text` (a final line ending opens no new line).
pub fn line_count(text: &str) -> usize {
    lines(text).len().max(1)
}

/// The checks every successfully parsed document must pass: it prints back to `text` byte for byte,
/// reparses to itself, and `vars`, `get`, `entries` and `lint` agree and stay in range.
pub fn check_document(doc: &Document, text: &str) {
    let printed = doc.to_string();
    assert_eq!(printed, text, "a parsed document prints back byte for byte");
    let again = Document::parse(&printed).expect("printed text reparses");
    assert_eq!(&again, doc, "reparsing gives the same document");
    let vars = doc.vars();
    for (k, v) in &vars {
        assert!(is_valid_key(k), "only valid keys are defined");
        assert_eq!(doc.get(k), Some(v.as_str()), "get agrees with vars");
    }
    assert_eq!(doc.len(), vars.len());
    assert_eq!(doc.is_empty(), vars.is_empty());
    let last = line_count(text);
    let entries = doc.entries();
    let mut prev_line = 0;
    for (i, e) in entries.iter().enumerate() {
        assert!(e.line >= 1 && e.line <= last, "entry line {} of {last}", e.line);
        assert!(e.line > prev_line, "entries in order, one per line at most");
        prev_line = e.line;
        let later = entries[i + 1..].iter().any(|l| l.key == e.key);
        assert_eq!(e.overridden, later, "overridden exactly when assigned again later");
        if !e.overridden {
            assert_eq!(vars.get(&e.key), Some(&e.value), "the last entry holds the value");
        }
    }
    assert_eq!(entries.iter().filter(|e| !e.overridden).count(), vars.len());
    for e in &entries {
        if let Some(c) = &e.inline_comment {
            assert!(c.starts_with('#') && c.trim_end() == c && !c.contains('\n'), "an inline comment is one line from its #");
        }
    }
    // Comment blocks: as written (each line a `#` line of the text), in order, never on an entry's line.
    let text_lines: Vec<&str> = text.strip_prefix('\u{feff}').unwrap_or(text).split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let mut after = 0;
    for b in doc.comment_blocks() {
        assert!(!b.lines.is_empty() && b.line > after && b.line <= last, "blocks in order, inside the text");
        assert!(b.lines.iter().all(|l| l.starts_with('#')), "block lines are comments");
        assert!(text_lines[b.line - 1].trim() == b.lines[0], "a block starts where it says");
        assert!(!entries.iter().any(|e| e.line == b.line), "a block is not on a key's line");
        after = b.line;
    }
    for (n, lint) in doc.lint().iter().enumerate() {
        assert!(lint.line >= 1 && lint.line <= last, "lint line {} of {last}", lint.line);
        assert!(!lint.message.is_empty());
        // Each fix reparses the whole text: the first few are enough (a long document would make every
        // run quadratic), and the fuzzer moves any line to the front.
        if let Some(fix) = lint.fix.as_ref().filter(|_| n < 4) {
            assert!(
                1 <= fix.start_line && fix.start_line <= fix.end_line && fix.end_line <= last,
                "fix lines {}..={} of {last} ({:?})",
                fix.start_line,
                fix.end_line,
                lint.code
            );
            // A fix makes the line mean the same to every parser — which may change what it means
            // here (a bare key gets `=`, `A=#x` gets quotes): it must give parsable text.
            let fixed = apply_fix(text, fix);
            if let Err(e) = Document::parse(&fixed) {
                panic!("the fix of {:?} gives unparsable text: {e}", lint.code);
            }
        }
    }
}

/// Applies a lint's fix: lines `start_line..=end_line` replaced (keeping the last one's line ending)
/// or deleted.
pub fn apply_fix(text: &str, fix: &envdesk_core::dotenv::Fix) -> String {
    let ls = lines(text);
    let mut out = String::with_capacity(text.len() + fix.replacement.len());
    for l in &ls[..fix.start_line - 1] {
        out.push_str(l);
    }
    if !fix.delete {
        out.push_str(&fix.replacement);
        let last = ls[fix.end_line - 1];
        if last.ends_with("\r\n") {
            out.push_str("\r\n");
        } else if last.ends_with('\n') {
            out.push('\n');
        }
    }
    for l in &ls[fix.end_line..] {
        out.push_str(l);
    }
    out
}
