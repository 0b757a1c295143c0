//! JSON import of any text: never panics; a success is a document that prints, reparses and defines
//! exactly the object's strings in the object's order; an error's position lies inside the input.
#![no_main]

use envdesk_core::dotenv::{is_valid_key, Document, ImportError};
use envdesk_fuzz::{check_document, line_count};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Document::from_json(text) {
        Ok(doc) => {
            let printed = doc.to_string();
            check_document(&Document::parse(&printed).expect("an import reparses"), &printed);
            // A key given twice takes its last value, as JavaScript's JSON.parse does (docs/decisions.md).
            let object: indexmap::IndexMap<String, serde_json::Value> =
                serde_json::from_str(text).expect("an import was an object");
            let object: indexmap::IndexMap<String, String> = object
                .into_iter()
                .map(|(k, v)| (k, v.as_str().expect("an import's values are strings").to_owned()))
                .collect();
            assert_eq!(doc.vars(), object);
            assert!(doc.vars().keys().eq(object.keys()), "the object's order");
        }
        Err(ImportError::NotJson { line, column }) => {
            assert!(serde_json::from_str::<serde_json::Value>(text).is_err());
            let lines: Vec<&str> = text.split('\n').collect();
            assert!(line >= 1 && line <= lines.len().max(line_count(text)), "line {line} of {}", lines.len());
            let width = lines[line - 1].chars().count();
            assert!(column >= 1 && column <= width + 1, "column {column} of {width} characters");
        }
        Err(ImportError::NotAnObject) => {
            let v: serde_json::Value = serde_json::from_str(text).expect("JSON");
            assert!(!v.is_object());
        }
        Err(ImportError::NotAString { key, .. }) => {
            let v: serde_json::Value = serde_json::from_str(text).expect("JSON");
            assert!(v.get(&key).is_some_and(|x| !x.is_string()));
        }
        Err(ImportError::InvalidKey(key)) => assert!(!is_valid_key(&key)),
        Err(e) => panic!("unexpected import error: {e}"),
    }
});
