//! Every file of the peers' fixtures (and every input of python-dotenv's parser tests) either parses
//! and prints back byte for byte, or fails with a line number — never a panic.

use envdesk_core::dotenv::Document;

use super::test_data;

fn check(label: &str, bytes: &[u8]) -> bool {
    match Document::parse_bytes(bytes) {
        Ok(doc) => {
            assert_eq!(doc.to_string().as_bytes(), bytes, "{label}: round trip");
            // Lint and entries must not panic either.
            let _ = doc.lint();
            let _ = doc.entries();
            true
        }
        Err(e) => {
            let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
            assert!(e.line() >= 1 && e.line() <= lines, "{label}: line {} of {lines}", e.line());
            assert!(e.column() >= 1, "{label}");
            false
        }
    }
}

#[test]
fn peer_fixture_files() {
    let root = test_data().join("dotenv/peers");
    let (mut ok, mut failed) = (0, 0);
    for peer in std::fs::read_dir(&root).unwrap() {
        let peer = peer.unwrap().path();
        if !peer.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&peer).unwrap() {
            let path = f.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            if check(&path.display().to_string(), &bytes) {
                ok += 1;
            } else {
                failed += 1;
            }
        }
    }
    assert!(ok >= 15, "parsed {ok}, failed {failed}");
    assert!(failed >= 1, "the UTF-16 and Latin-1 fixtures must fail with a line");
}

#[test]
fn python_dotenv_parser_inputs() {
    let v = super::read_json("dotenv/peers/python-dotenv/test_parser_cases.json");
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() > 30);
    let mut ok = 0;
    for (i, c) in cases.iter().enumerate() {
        let input = c["input"].as_str().unwrap();
        if check(&format!("python-dotenv case {i}"), input.as_bytes()) {
            ok += 1;
        }
    }
    assert!(ok > cases.len() / 2, "{ok} of {} parse", cases.len());
}

#[test]
fn known_fixture_values() {
    let root = test_data().join("dotenv/peers");
    let doc = Document::parse_bytes(&std::fs::read(root.join("motdotla-dotenv/dotenv.bom")).unwrap()).unwrap();
    assert!(doc.has_bom());
    assert!(doc.vars().keys().all(|k| !k.starts_with('\u{feff}')));
    let ml = Document::parse_bytes(&std::fs::read(root.join("dotenvx/multiline-.env.crlf")).unwrap()).unwrap();
    assert!(ml.vars().values().any(|v| v.contains('\n') && !v.contains('\r')), "CRLF inside quotes reads as LF");
}
