//! `.env` parse of any bytes: never panics; a success prints back byte for byte and `vars`, `get`,
//! `entries`, `lint` (and each lint's fix) agree; an error's line and column lie inside the input.
#![no_main]

use envdesk_core::dotenv::Document;
use envdesk_fuzz::check_document;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match Document::parse_bytes(data) {
        Ok(doc) => {
            let text = std::str::from_utf8(data).expect("only UTF-8 parses");
            check_document(&doc, text);
        }
        Err(e) => {
            let lossy = String::from_utf8_lossy(data);
            let lines: Vec<&str> = lossy.split('\n').collect();
            assert!(e.line() >= 1 && e.line() <= lines.len(), "error line {} of {}", e.line(), lines.len());
            let width = lines[e.line() - 1].chars().count();
            assert!(e.column() >= 1 && e.column() <= width + 1, "error column {} of {width}", e.column());
            assert!(!e.message().is_empty());
            assert!(e.to_string().starts_with(&format!("line {}, column {}: ", e.line(), e.column())));
        }
    }
});
