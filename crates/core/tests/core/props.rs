//! Property tests: lossless printing, edits, crypto, merge and diff laws.

use envdesk_core::crypto::{self, CryptoError, DataKey};
use envdesk_core::diff;
use envdesk_core::dotenv::Document;
use envdesk_core::Vars;
use proptest::prelude::*;

fn key() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_.-]{0,6}"
}

fn value_token() -> impl Strategy<Value = String> {
    prop_oneof![
        "([^\\r\\n\"' \\t][^\\r\\n]{0,12})?".prop_map(|s| s.trim_end_matches([' ', '\t']).to_owned()),
        "'[^'\\\\\\r]{0,12}'",
        "\"([^\"\\\\\\r]|\\\\[nrt\"\\\\$q]){0,12}\"",
    ]
}

fn eol() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("\n"), Just("\r\n")]
}

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (
            "[ \\t]{0,2}",
            prop_oneof![Just(""), Just("export "), Just("export\t")],
            key(),
            "[ \\t]{0,2}",
            "[ \\t]{0,2}",
            value_token(),
            prop_oneof![Just(String::new()), "[ \\t]{1,2}#[^\\r\\n]{0,8}"],
            eol(),
        )
            .prop_map(|(ind, exp, k, w1, w2, v, c, e)| format!("{ind}{exp}{k}{w1}={w2}{v}{c}{e}")),
        1 => ("[ \\t]{0,2}#[^\\r\\n]{0,12}", eol()).prop_map(|(c, e)| format!("{c}{e}")),
        1 => ("[ \\t]{0,2}", eol()).prop_map(|(w, e)| format!("{w}{e}")),
        1 => (key(), eol()).prop_map(|(k, e)| format!("{k}{e}")),
    ]
}

fn document() -> impl Strategy<Value = String> {
    (any::<bool>(), prop::collection::vec(line(), 0..12), any::<bool>()).prop_map(|(bom, lines, cut)| {
        let mut t: String = lines.concat();
        if bom {
            t.insert(0, '\u{feff}');
        }
        if cut {
            t = t.trim_end_matches(['\r', '\n']).to_owned();
        }
        t
    })
}

fn small_vars() -> impl Strategy<Value = Vars> {
    prop::collection::vec(("[A-F]", "[a-c]{0,2}"), 0..8).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn print_parse_is_identity(text in document()) {
        let doc = Document::parse(&text).map_err(|e| TestCaseError::fail(format!("{e} in {text:?}")))?;
        prop_assert_eq!(doc.to_string(), text);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "[A-Za-z_=#'\"\\\\ \\t\\r\\n`${}.-]{0,40}") {
        if let Ok(doc) = Document::parse(&text) {
            prop_assert_eq!(doc.to_string(), text);
            let _ = doc.lint();
        }
    }

    #[test]
    fn set_then_get(text in document(), k in key(), v in any::<String>()) {
        let mut doc = Document::parse(&text).unwrap();
        doc.set(&k, &v).unwrap();
        prop_assert_eq!(doc.get(&k), Some(v.as_str()));
        let reparsed = Document::parse(&doc.to_string()).unwrap();
        prop_assert_eq!(reparsed.vars(), doc.vars());
    }

    #[test]
    fn set_many_is_set_one_after_another(
        text in document(),
        pairs in prop::collection::vec((prop_oneof![key(), "[A-C]"], any::<String>()), 0..8),
    ) {
        let mut one_by_one = Document::parse(&text).unwrap();
        for (k, v) in &pairs {
            one_by_one.set(k, v).unwrap();
        }
        let mut at_once = Document::parse(&text).unwrap();
        at_once.set_many(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        prop_assert_eq!(at_once.to_string(), one_by_one.to_string());
    }

    #[test]
    fn set_changes_nothing_outside_the_value(
        before in prop::collection::vec(line(), 0..5),
        after in prop::collection::vec(line(), 0..5),
        prefix in "[ \\t]{0,2}(export )?KEY[ \\t]{0,1}=[ \\t]{0,1}",
        token in value_token(),
        suffix in prop_oneof![Just(String::new()), "[ \\t]{1,2}#[^\\r\\n]{0,8}"],
        v in any::<String>(),
    ) {
        let strip_key = |lines: Vec<String>| -> String {
            lines.into_iter().filter(|l| !l.trim_start().trim_start_matches("export").trim_start().starts_with("KEY")).collect()
        };
        let (a, b) = (strip_key(before), strip_key(after));
        // An empty unquoted value sits right after `=`: the spacing after `=` then belongs to the tail.
        // (A token starting with `#` is an empty value followed by a comment.)
        let (head, tail) = if token.is_empty() || token.starts_with('#') {
            let p = prefix.trim_end_matches([' ', '\t']);
            (format!("{a}{p}"), format!("{}{token}{suffix}\n{b}", &prefix[p.len()..]))
        } else {
            (format!("{a}{prefix}"), format!("{suffix}\n{b}"))
        };
        let text = format!("{head}{token}{tail}");
        let mut doc = Document::parse(&text).unwrap();
        let others = { let mut o = doc.vars(); o.shift_remove("KEY"); o };
        doc.set("KEY", &v).unwrap();
        let out = doc.to_string();
        prop_assert!(out.starts_with(&head), "prefix changed: {:?} -> {:?}", text, out);
        prop_assert!(out.ends_with(&tail), "suffix changed: {:?} -> {:?}", text, out);
        let mut now = doc.vars();
        prop_assert_eq!(now.shift_remove("KEY"), Some(v));
        prop_assert_eq!(now, others);
    }

    #[test]
    fn encrypt_decrypt_round_trip(key in any::<[u8; 32]>(), msg in prop::collection::vec(any::<u8>(), 0..300)) {
        let k = DataKey::from_bytes(key);
        let blob = crypto::encrypt(&k, &msg);
        let plain = crypto::decrypt(&k, &blob).unwrap();
        prop_assert_eq!(plain.as_slice(), msg.as_slice());
    }

    #[test]
    fn any_flipped_bit_fails_authentication(msg in prop::collection::vec(any::<u8>(), 0..64), pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let k = DataKey::from_bytes([9; 32]);
        let blob = crypto::encrypt(&k, &msg);
        let mut raw = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &blob).unwrap();
        let i = pos.index(raw.len());
        raw[i] ^= 1 << bit;
        let tampered = crypto::b64(&raw);
        prop_assert_eq!(crypto::decrypt(&k, &tampered).err(), Some(CryptoError::AuthenticationFailed));
    }

    #[test]
    fn diff_laws(a in small_vars(), b in small_vars()) {
        prop_assert!(diff::diff(&a, &a).iter().all(|c| !c.is_difference()), "diff with itself is empty");
        let d = diff::diff(&a, &b);
        prop_assert_eq!(diff::apply(&a, &d), b);
    }

    #[test]
    fn merge3_laws(base in small_vars(), x in small_vars(), y in small_vars()) {
        let same = diff::merge3(&base, &x, &x);
        prop_assert!(same.conflicts.is_empty());
        prop_assert_eq!(&same.merged, &x, "identical sides merge to that side");
        let one_sided = diff::merge3(&base, &x, &base);
        prop_assert!(one_sided.conflicts.is_empty());
        prop_assert_eq!(&one_sided.merged, &x);
        let other_sided = diff::merge3(&base, &base, &y);
        prop_assert!(other_sided.conflicts.is_empty());
        prop_assert_eq!(&other_sided.merged, &y);
        // Every conflict is a true one: both sides changed the key, differently.
        for c in diff::merge3(&base, &x, &y).conflicts {
            prop_assert!(c.ours != c.base && c.theirs != c.base && c.ours != c.theirs);
        }
    }
}
