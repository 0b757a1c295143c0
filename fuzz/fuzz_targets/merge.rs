//! Three-way merge and conflict resolution as the app does them (`envdesk_client::vault::
//! {merge_texts, resolve_conflict}`: `envdesk_core::diff::merge3` applied to our document with
//! `set_many` and `remove`, then the user's choices with `set`/`remove`; the steps are repeated here
//! so that the core campaign builds without the client, and with the `client` feature the client's
//! own functions must give the same texts): three parsable texts always merge into a parsable text holding exactly the merged variables,
//! only true conflicts are reported, and resolving them with any choice (ours, theirs, the base,
//! a new value, or removal) again gives a parsable text with exactly the chosen values. Merging the
//! levels with provenance (`merge::merge`) agrees with inserting them one after another.
//!
//! Input: the base text; after `"\n\0"`, bytes that edit it into ours and theirs (so the three
//! share most keys, as real versions do) and pick the resolutions.
#![no_main]

use arbitrary::{Result, Unstructured};
use envdesk_core::diff;
use envdesk_core::dotenv::Document;
use envdesk_core::merge::{self, LevelKind};
use envdesk_core::Vars;
use envdesk_fuzz::{check_document, key, split_input, value};
use libfuzzer_sys::fuzz_target;

/// A side: the base with a few keys set, renamed or removed.
fn side(base: &Document, u: &mut Unstructured<'_>) -> Result<Document> {
    let mut doc = base.clone();
    for _ in 0..u.int_in_range(0..=4)? {
        let existing: Vec<String> = doc.vars().keys().cloned().collect();
        let k = key(u, &existing)?;
        match u.int_in_range(0..=3)? {
            0 => {
                doc.remove(&k);
            }
            1 => {
                let to = key(u, &existing)?;
                let _ = doc.rename(&k, &to);
            }
            _ => {
                let _ = doc.set(&k, &value(u)?);
            }
        }
    }
    Ok(doc)
}

/// `envdesk_client::vault::merge_texts`, step for step: the merged text and the conflicts.
fn merge_texts(base: &Document, ours: &Document, theirs: &Document) -> (String, Vec<diff::Conflict>) {
    let (bv, ov, tv) = (base.vars(), ours.vars(), theirs.vars());
    let m = diff::merge3(&bv, &ov, &tv);
    let mut doc = ours.clone();
    doc.set_many(m.merged.iter().map(|(k, v)| (k.as_str(), v.as_str()))).expect("keys of parsed documents are valid");
    for k in ov.keys() {
        if !m.merged.contains_key(k) && !m.conflicts.iter().any(|c| &c.key == k) {
            doc.remove(k);
        }
    }
    (doc.to_string(), m.conflicts)
}

/// `envdesk_client::vault::resolve_conflict`, step for step.
fn resolve_conflict(merged: &str, choices: &[(String, Option<String>)]) -> String {
    let mut doc = Document::parse(merged).expect("a merged text parses");
    for (k, v) in choices {
        match v {
            Some(v) => doc.set(k, v).expect("keys of parsed documents are valid"),
            None => {
                doc.remove(k);
            }
        }
    }
    doc.to_string()
}

fn parsed(text: &str, what: &str) -> Document {
    let doc = Document::parse(text).unwrap_or_else(|e| panic!("{what} is not parsable: {e}"));
    check_document(&doc, text);
    doc
}

fn run(base_text: &str, u: &mut Unstructured<'_>) -> Result<()> {
    let Ok(base) = Document::parse(base_text) else { return Ok(()) };
    let ours = side(&base, u)?;
    let theirs = side(&base, u)?;
    let (bv, ov, tv) = (base.vars(), ours.vars(), theirs.vars());

    let (merged_text, conflicts) = merge_texts(&base, &ours, &theirs);
    #[cfg(feature = "client")]
    {
        let m = envdesk_client::vault::merge_texts(base_text, &ours.to_string(), &theirs.to_string());
        assert!(m.auto_merged, "three parsable texts merge key by key");
        assert_eq!(m.text, merged_text, "the client merges the same way");
        assert_eq!(m.conflicts, conflicts);
    }
    let merged_doc = parsed(&merged_text, "the merged text");
    let expected = diff::merge3(&bv, &ov, &tv);
    assert_eq!(conflicts, expected.conflicts);
    // The merged text holds the merged keys, and each conflicting key keeps our value until resolved.
    let mut want = expected.merged.clone();
    for c in &expected.conflicts {
        assert!(c.ours != c.theirs && c.ours != c.base && c.theirs != c.base, "`{}` is a true conflict", c.key);
        if let Some(o) = &c.ours {
            want.insert(c.key.clone(), o.clone());
        }
    }
    assert_eq!(merged_doc.vars(), want, "the merged text holds the merged variables");
    for (k, v) in &want {
        let (b, o, t) = (bv.get(k), ov.get(k), tv.get(k));
        assert!(Some(v) == o || Some(v) == t, "`{k}` comes from one side");
        if !expected.conflicts.iter().any(|c| &c.key == k) && o != t {
            assert!(o == b || t == b, "`{k}` changed on both sides without a conflict");
        }
    }

    // Any resolution of the conflicts gives a parsable text with exactly the chosen values.
    let mut choices: Vec<(String, Option<String>)> = Vec::new();
    for c in &conflicts {
        let choice = match u.int_in_range(0..=3)? {
            0 => c.ours.clone(),
            1 => c.theirs.clone(),
            2 => c.base.clone(),
            _ => Some(value(u)?),
        };
        choices.push((c.key.clone(), choice));
    }
    let resolved = resolve_conflict(&merged_text, &choices);
    #[cfg(feature = "client")]
    assert_eq!(
        envdesk_client::vault::resolve_conflict(&merged_text, &choices).expect("resolves"),
        resolved,
        "the client resolves the same way"
    );
    let resolved_doc = parsed(&resolved, "the resolved text");
    let mut final_vars: Vars = merged_doc.vars();
    for (k, v) in &choices {
        match v {
            Some(v) => {
                final_vars.insert(k.clone(), v.clone());
            }
            None => {
                final_vars.shift_remove(k);
            }
        }
    }
    assert_eq!(resolved_doc.vars(), final_vars, "the chosen values, nothing else changed");

    // Levels with provenance.
    let levels = [(LevelKind::Project, &bv), (LevelKind::Target, &ov), (LevelKind::Environment, &tv)];
    let merged = merge::merge(&levels);
    let mut fold = Vars::new();
    for (_, vars) in &levels {
        for (k, v) in *vars {
            fold.insert(k.clone(), v.clone());
        }
    }
    assert_eq!(merge::merged_vars(&levels), fold);
    for mv in &merged {
        let defined: Vec<LevelKind> = levels.iter().filter(|(_, v)| v.contains_key(&mv.key)).map(|(l, _)| *l).collect();
        assert_eq!(defined.last(), Some(&mv.source), "`{}` comes from the deepest level defining it", mv.key);
        assert_eq!(mv.overrides.len() + 1, defined.len());
    }
    let merged_env =
        envdesk_core::export::export(&fold, envdesk_core::export::Format::Env).expect("merged keys export");
    assert_eq!(parsed(&merged_env, "the merged export").vars(), fold);
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let (text, ops) = split_input(data);
    let Ok(text) = std::str::from_utf8(text) else { return };
    let _ = run(text, &mut Unstructured::new(ops));
});
