//! Every export format with arbitrary values: never a read-back failure. With keys the dialect
//! accepts (the keys every level has), each format either writes text that its own reader reads back
//! to exactly the variables, in order, or refuses a key or value the format cannot hold, for the
//! documented reason. With any keys at all, an export never panics and what it writes reads back.
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use envdesk_core::dotenv::is_valid_key;
use envdesk_core::export::{self, ExportError, Format};
use envdesk_core::Vars;
use envdesk_fuzz::{valid_key, value};
use libfuzzer_sys::fuzz_target;

fn refused_rightly(vars: &Vars, format: Format, e: &ExportError) -> bool {
    let is_shell_name = |k: &str| {
        let b = k.as_bytes();
        !b.is_empty()
            && (b[0].is_ascii_alphabetic() || b[0] == b'_')
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
    };
    match e {
        ExportError::KeyNotAllowed { key, format: f, .. } => {
            *f == format
                && vars.contains_key(key)
                && match format {
                    Format::Env => !is_valid_key(key),
                    Format::Shell => !is_shell_name(key),
                    Format::Dockerfile => key.is_empty() || key.contains(['=', ' ']),
                    Format::Json | Format::Yaml => false,
                }
        }
        ExportError::ValueNotAllowed { key, format: f, .. } => {
            let Some(v) = vars.get(key) else { return false };
            *f == format
                && match format {
                    Format::Shell => v.contains('\0'),
                    Format::Dockerfile => v.contains(['\n', '\r', '\0']),
                    _ => false,
                }
        }
        _ => false,
    }
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let any_keys = u.ratio(1, 8)?;
    let mut vars = Vars::new();
    for _ in 0..u.int_in_range(0..=8)? {
        let k = if any_keys && u.ratio(1, 2)? { String::arbitrary(u)? } else { valid_key(u)? };
        vars.insert(k, value(u)?);
    }
    for format in Format::ALL {
        match export::export(&vars, format) {
            Ok(text) => {
                let back = export::read_back(&text, format).expect("an export reads back");
                assert_eq!(back, vars, "{format}: the same variables");
                assert!(back.keys().eq(vars.keys()), "{format}: the same order");
            }
            Err(e) if any_keys && matches!(e, ExportError::RoundTrip { .. }) => {}
            Err(e) => assert!(refused_rightly(&vars, format, &e), "{format}: {e}"),
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
