//! Edits through the document model: only the bytes that must change, change.

use envdesk_core::dotenv::{Document, EditError, LintCode, Quote};

#[test]
fn set_changes_only_the_value() {
    let text = "# db\nexport DB_HOST=old   # primary\nB='x'\r\nC=\"multi\nline\"\n";
    let mut d = Document::parse(text).unwrap();
    d.set("DB_HOST", "new-host").unwrap();
    assert_eq!(d.to_string(), "# db\nexport DB_HOST=new-host   # primary\nB='x'\r\nC=\"multi\nline\"\n");
    d.set("B", "has space").unwrap();
    assert_eq!(d.to_string(), "# db\nexport DB_HOST=new-host   # primary\nB='has space'\r\nC=\"multi\nline\"\n");
    d.set("C", "it's \"q\"\n$x").unwrap();
    assert_eq!(d.get("C"), Some("it's \"q\"\n$x"));
    assert!(d.to_string().ends_with("C=\"it's \\\"q\\\"\\n$x\"\n"));
    d.set("DB_HOST", "two words").unwrap();
    assert_eq!(d.get("DB_HOST"), Some("two words"));
    assert!(d.to_string().contains("export DB_HOST='two words'   # primary\n"));
}

#[test]
fn set_new_key_appends_and_invalid_key_is_refused() {
    let mut d = Document::parse("A=1\n").unwrap();
    d.set("NEW", "v").unwrap();
    assert_eq!(d.to_string(), "A=1\nNEW=v\n");
    assert_eq!(d.set("1BAD", "x"), Err(EditError::InvalidKey("1BAD".into())));
    assert_eq!(d.set("A B", "x"), Err(EditError::InvalidKey("A B".into())));
    assert_eq!(d.to_string(), "A=1\nNEW=v\n", "a refused edit changes nothing");
}

#[test]
fn set_on_duplicate_changes_the_winning_assignment() {
    let mut d = Document::parse("D=1\nD=2\n").unwrap();
    d.set("D", "3").unwrap();
    assert_eq!(d.to_string(), "D=1\nD=3\n");
}

#[test]
fn remove_and_rename() {
    let text = "# group\nA=1\nB=2\n\n# only C\n# @tags: x\nC=3\n\nD=4\n";
    let mut d = Document::parse(text).unwrap();
    assert!(d.remove("A"));
    assert_eq!(d.to_string(), "# group\nB=2\n\n# only C\n# @tags: x\nC=3\n\nD=4\n", "the group comment stays");
    assert!(d.remove("C"));
    assert_eq!(d.to_string(), "# group\nB=2\n\n\nD=4\n", "a lone key's comments go with it");
    assert!(!d.remove("NOPE"));
    d.rename("B", "B2").unwrap();
    assert_eq!(d.to_string(), "# group\nB2=2\n\n\nD=4\n");
    assert_eq!(d.rename("B2", "D"), Err(EditError::KeyExists("D".into())));
    assert_eq!(d.rename("ZZ", "Y"), Err(EditError::NoSuchKey("ZZ".into())));
}

#[test]
fn entries_with_comments_and_tags() {
    let d = Document::parse("# Primary database\n# @tags: db, prod\nDB=x\n\n# loose\n\nA=1\nA='2'\n").unwrap();
    let e = d.entries();
    assert_eq!(e.len(), 3);
    assert_eq!(e[0].key, "DB");
    assert_eq!(e[0].line, 3);
    assert_eq!(e[0].comments, vec!["Primary database"]);
    assert_eq!(e[0].tags, vec!["db", "prod"]);
    assert!(e[1].comments.is_empty(), "a blank line detaches a comment");
    assert!(e[1].overridden && !e[2].overridden);
    assert_eq!(e[2].quote, Quote::Single);
    assert_eq!(e[2].line, 8);
    assert!(!format!("{:?}", e[0]).contains("x\""), "Debug hides values");
}

#[test]
fn inline_comments_and_comment_blocks_as_written() {
    let text = "## ---- Database ----\n# Primary\n# @tags: db\nDB=x   # inline  \nQ=\"a # not\nb\" # after quote\nE= # empty value\nH=#x\nP=a#b\n\n# heads nothing\n# @tags: kept\n\nZ='1'\n# trailing";
    let d = Document::parse(text).unwrap();
    let inline: Vec<_> = d.entries().iter().map(|e| e.inline_comment.clone()).collect();
    let s = |x: &str| Some(x.to_owned());
    assert_eq!(inline, vec![s("# inline"), s("# after quote"), s("# empty value"), s("#x"), None, None]);
    assert_eq!(d.get("Q"), Some("a # not\nb"), "a # inside quotes is the value's");
    let blocks: Vec<_> = d.comment_blocks().into_iter().map(|b| (b.line, b.lines)).collect();
    let v = |l: &[&str]| l.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        blocks,
        vec![
            (1, v(&["## ---- Database ----", "# Primary"])),
            (11, v(&["# heads nothing", "# @tags: kept"])),
            (15, v(&["# trailing"])),
        ],
        "a key's @tags line is its tags; a block heading nothing keeps every line"
    );
    assert!(Document::parse("# @tags: only\nA=1\n").unwrap().comment_blocks().is_empty());
    // A block whose first line is the key's tags starts at its first line kept (found by fuzzing).
    let d = Document::parse("# @tags: x\n#\"\nb=1\n").unwrap();
    let blocks: Vec<_> = d.comment_blocks().into_iter().map(|b| (b.line, b.lines)).collect();
    assert_eq!(blocks, vec![(2, vec!["#\"".to_owned()])]);
}

#[test]
fn lint_fixes_make_the_warning_go_away() {
    let text = "A=v#c\nB=#ff0000\nC= #c\nD=`x`\nE=two words\nF=\"a\\tb\"\nG='it\\'s'\nH\nI=1\nI=2\nJ=\"\\q\"\nK-L=1\n";
    let doc = Document::parse(text).unwrap();
    let lints = doc.lint();
    let codes: Vec<_> = lints.iter().map(|l| l.code).collect();
    for c in [
        LintCode::HashInValue,
        LintCode::ValueStartsWithHash,
        LintCode::EmptyValueBeforeComment,
        LintCode::Backticks,
        LintCode::WhitespaceInUnquotedValue,
        LintCode::TabEscape,
        LintCode::SingleQuoteEscape,
        LintCode::KeyWithoutValue,
        LintCode::DuplicateKey,
        LintCode::UnknownEscape,
        LintCode::KeyNotPortable,
    ] {
        assert!(codes.contains(&c), "{c:?} missing from {codes:?}");
    }
    for lint in &lints {
        let fix = lint.fix.as_ref().unwrap_or_else(|| panic!("{:?} has no fix", lint.code));
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut out = String::new();
        for (i, l) in lines.iter().enumerate() {
            let n = i + 1;
            if n == fix.start_line {
                if !fix.delete {
                    out.push_str(&fix.replacement);
                    out.push('\n');
                }
            } else if n > fix.start_line && n <= fix.end_line {
            } else {
                out.push_str(l);
            }
        }
        let fixed = Document::parse(&out).unwrap_or_else(|e| panic!("{:?}: fix gives {e}", lint.code));
        assert!(
            !fixed.lint().iter().any(|l| l.code == lint.code && l.line == lint.line),
            "{:?} still there after '{}'",
            lint.code,
            fix.title
        );
    }
}

#[test]
fn json_import() {
    let d = Document::from_json(r#"{"Z": "last?", "A": "x y", "ML": "a\nb"}"#).unwrap();
    assert_eq!(d.vars().keys().collect::<Vec<_>>(), ["Z", "A", "ML"], "file order kept");
    assert_eq!(d.get("ML"), Some("a\nb"));
    assert_eq!(Document::parse(&d.to_string()).unwrap().vars(), d.vars());
    let e = Document::from_json(r#"{"PORT": 8080}"#).unwrap_err();
    assert_eq!(e.to_string(), "the value of `PORT` is a number; only strings can be imported");
    assert!(Document::from_json("[1]").is_err());
    assert!(Document::from_json(r#"{"1A": "x"}"#).is_err());
    assert!(matches!(Document::from_json("{nope"), Err(envdesk_core::dotenv::ImportError::NotJson { line: 1, .. })));
}
