//! Exports read back with a reader of their format; refusals say why.

use envdesk_core::export::{self, ExportError, Format};

use super::vars;

fn tricky() -> envdesk_core::Vars {
    vars(&[
        ("PLAIN", "value"),
        ("SPACES", "  padded  "),
        ("QUOTES", "it's \"quoted\""),
        ("SHELLY", "$HOME `cmd` \\ back"),
        ("HASH", "#not-a-comment"),
        ("YAMLISH", "yes"),
        ("NUM", "0123"),
        ("EMPTY", ""),
        ("UNI", "héllo ✓ 😀"),
        ("TAB", "a\tb"),
        ("y", "key needs quoting in YAML 1.1"),
        ("HTML", "<a href=\"x\">&amp;</a>"),
    ])
}

#[test]
fn every_format_round_trips() {
    let v = tricky();
    for f in Format::ALL {
        let text = export::export(&v, f).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert_eq!(export::read_back(&text, f).as_ref(), Some(&v), "{f}");
    }
}

#[test]
fn exact_shapes() {
    let v = vars(&[("A", "1"), ("B", "x y"), ("C", "say \"hi\" $USER")]);
    assert_eq!(export::export(&v, Format::Env).unwrap(), "A=1\nB='x y'\nC='say \"hi\" $USER'\n");
    assert_eq!(
        export::export(&v, Format::Shell).unwrap(),
        "export A=\"1\"\nexport B=\"x y\"\nexport C=\"say \\\"hi\\\" \\$USER\"\n"
    );
    assert_eq!(
        export::export(&v, Format::Dockerfile).unwrap(),
        "ENV A=\"1\"\nENV B=\"x y\"\nENV C=\"say \\\"hi\\\" \\$USER\"\n"
    );
    assert_eq!(export::export(&v, Format::Yaml).unwrap(), "A: \"1\"\nB: \"x y\"\nC: \"say \\\"hi\\\" $USER\"\n");
    assert_eq!(
        export::export(&v, Format::Json).unwrap(),
        "{\n  \"A\": \"1\",\n  \"B\": \"x y\",\n  \"C\": \"say \\\"hi\\\" $USER\"\n}\n"
    );
}

#[test]
fn multiline_values() {
    let v = vars(&[("PEM", "-----BEGIN-----\nabc\n-----END-----")]);
    for f in [Format::Env, Format::Json, Format::Yaml, Format::Shell] {
        let text = export::export(&v, f).unwrap();
        assert_eq!(export::read_back(&text, f).unwrap(), v, "{f}");
    }
    let e = export::export(&v, Format::Dockerfile).unwrap_err();
    assert!(matches!(e, ExportError::ValueNotAllowed { .. }));
    assert!(e.to_string().contains("PEM") && !e.to_string().contains("BEGIN"), "{e}");
}

#[test]
fn shell_refuses_non_shell_names() {
    let v = vars(&[("A.B", "1")]);
    let e = export::export(&v, Format::Shell).unwrap_err();
    assert_eq!(
        e.to_string(),
        "`A.B` cannot be exported as shell: shell variable names may contain only letters, digits and `_`"
    );
    assert!(export::export(&v, Format::Env).is_ok());
}

#[test]
fn format_names() {
    assert_eq!("yml".parse::<Format>().unwrap(), Format::Yaml);
    assert!("toml".parse::<Format>().is_err());
}
