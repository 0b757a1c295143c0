//! The schema of secrets (issue 16): the annotation grammar, every type, inheritance across levels,
//! the checks of a merged result, the lints, and (property tests) that annotations survive every edit
//! and the text round-trips byte for byte.

use chrono::NaiveDate;
use envdesk_core::dotenv::{Document, LintCode, Severity};
use envdesk_core::merge::LevelKind;
use envdesk_core::schema::{
    self, annotations_of, check, level_schema, CheckContext, Patterns, ProblemKind, ProblemSeverity, Schema, ValueType,
};
use proptest::prelude::*;

use super::vars;

fn doc(text: &str) -> Document {
    Document::parse(text).unwrap()
}

fn ty(text: &str) -> ValueType {
    ValueType::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn ok(t: &str, v: &str) -> bool {
    ty(t).check(v, &mut Patterns::default()).is_ok()
}

#[test]
fn annotation_lines_hold_flags_then_one_value() {
    let a = |s: &str| annotations_of(s).map(|r| r.map_err(|_| ()));
    let pair = |n: &str, v: Option<&str>| (n.to_owned(), v.map(str::to_owned));
    assert_eq!(a("# @required"), Some(Ok(vec![pair("required", None)])));
    assert_eq!(a("#@required @type: port"), Some(Ok(vec![pair("required", None), pair("type", Some("port"))])));
    assert_eq!(a("#   @description:  Primary DB, r/w  "), Some(Ok(vec![pair("description", Some("Primary DB, r/w"))])));
    assert_eq!(a("# @Type: int"), Some(Ok(vec![pair("type", Some("int"))])), "names in any case");
    assert_eq!(
        a("# @type: port @required"),
        Some(Ok(vec![pair("type", Some("port @required"))])),
        "a value runs to the end"
    );
    assert_eq!(a("# @required please"), Some(Err(())), "text after a flag");
    assert_eq!(a("# just a comment"), None);
    assert_eq!(a("# email me @ home"), None);
    assert_eq!(a("# @ not a name"), None);
    assert_eq!(a("# @1"), None);
}

#[test]
fn a_level_reads_the_block_directly_above_each_key() {
    let text = "\
# Connection to the primary.
# @description: Primary database
# @type: url(postgres|postgresql)
# @required @sensitive
DATABASE_URL=postgres://db/app

# @type: port
PORT=8080
# @public
# @owner: team-payments
LOG_LEVEL=info
# @type: bool

DEBUG=1
";
    let d = doc(text);
    let s = level_schema(&d);
    let known: Vec<(usize, &str)> =
        s.problems.iter().filter(|p| !p.unknown).map(|p| (p.line, p.message.as_str())).collect();
    assert_eq!(
        known,
        [(12, "`@type` is not directly above a key (a blank line or the end of the text comes first): it applies to nothing")],
        "an annotation a blank line cuts off from its key says so"
    );
    let db = &s.keys["DATABASE_URL"];
    assert_eq!(db.0, 5, "the assignment's line");
    assert_eq!(db.1.description.as_deref(), Some("Primary database"));
    assert_eq!(db.1.value_type, Some(ValueType::Url { schemes: vec!["postgres".into(), "postgresql".into()] }));
    assert_eq!((db.1.required, db.1.sensitive), (Some(true), Some(true)));
    assert_eq!(s.keys["PORT"].1.value_type, Some(ValueType::Port));
    let log = &s.keys["LOG_LEVEL"].1;
    assert_eq!(log.sensitive, Some(false));
    assert_eq!(log.unknown.len(), 1, "unknown annotations are kept");
    assert_eq!(
        (log.unknown[0].name.as_str(), log.unknown[0].value.as_deref(), log.unknown[0].line),
        ("owner", Some("team-payments"), 10)
    );
    assert!(!s.keys.contains_key("DEBUG"), "a blank line ends the block");
    // The table view still shows the plain comment, and no annotation lines as comments' text? They
    // stay comment lines: the document prints back unchanged.
    assert_eq!(d.to_string(), text);
}

/// A key assigned again keeps the block above its last assignment (none there: no schema), keys are in
/// the order of their last assignments, and an unknown annotation written twice keeps its last value,
/// in the order of last ones, also across levels. (Built once per key now, without the removal and
/// scan per repeat that made a level of repeated keys or flags quadratic.)
#[test]
fn repeats_keep_the_last_assignment_and_the_last_of_each_annotation() {
    let s = level_schema(&doc("\
# @type: port
A=1
# @owner: x
# @team: y
# @owner: z
B=2
# @type: bool
C=1
A=2
# @type: int
C=3
"));
    assert!(!s.keys.contains_key("A"), "A's last assignment has no annotations");
    assert_eq!(s.keys.keys().map(String::as_str).collect::<Vec<_>>(), ["B", "C"]);
    assert_eq!(s.keys["C"].0, 11, "the line of C's last assignment");
    assert_eq!(s.keys["C"].1.value_type, Some(ty("int")));
    let b = &s.keys["B"].1.unknown;
    let named = |l: &[schema::Annotation]| l.iter().map(|a| (a.name.clone(), a.value.clone())).collect::<Vec<_>>();
    assert_eq!(named(b), [("team".to_owned(), Some("y".to_owned())), ("owner".to_owned(), Some("z".to_owned()))]);
    let below = level_schema(&doc("# @team: w\n# @extra\nB=3\n"));
    let merged = Schema::of_levels([(LevelKind::Project, &s), (LevelKind::Environment, &below)]);
    let unknown = &merged.key("B").unwrap().schema.unknown;
    assert_eq!(
        named(unknown),
        [
            ("owner".to_owned(), Some("z".to_owned())),
            ("team".to_owned(), Some("w".to_owned())),
            ("extra".to_owned(), None)
        ]
    );
}

#[test]
fn annotations_that_apply_to_nothing_are_lints() {
    // At the end of the text; level-wide ones (`@absent`, `@schema`) and `@tags` are not per key.
    let d = doc("A=1\n# @absent: B\n# @schema: strict\n\n# @tags: x\n\n# @required\n");
    let lints = d.lint_in(&[], LevelKind::Environment);
    let found: Vec<(usize, &str)> = lints.iter().map(|l| (l.line, l.message.as_str())).collect();
    assert_eq!(
        found,
        [
            (3, "`@schema: strict` is read from the project level only: at the environment level it does nothing"),
            (7, "`@required` is not directly above a key (a blank line or the end of the text comes first): it applies to nothing"),
        ]
    );
    assert!(lints.iter().all(|l| l.code == LintCode::AnnotationInvalid && l.severity == Severity::Warning));
    // At the project level `@schema: strict` is in its place; the level unknown (`lint`) is taken as it.
    assert_eq!(d.lint_in(&[], LevelKind::Project).len(), 1);
    assert_eq!(d.lint().len(), 1);
}

#[test]
fn annotations_written_wrongly_are_lints_at_their_line_and_do_nothing() {
    let text = "\
# @type: integer
A=1
# @required @optional
B=2
# @expires: 2026-13-01
C=3
# @rotate-every: soon
D=4
# @type: regex([)
E=5
# @type: int(9..1)
F=6
# @required: yes
G=7
# @colour: blue
H=8
";
    let d = doc(text);
    let lints = d.lint();
    let of =
        |line: usize| lints.iter().find(|l| l.line == line).unwrap_or_else(|| panic!("no lint at {line}: {lints:#?}"));
    for line in [1, 3, 5, 7, 9, 11, 13] {
        assert_eq!(of(line).code, LintCode::AnnotationInvalid, "line {line}");
        assert_eq!(of(line).severity, Severity::Warning);
    }
    assert!(of(1).message.contains("unknown type `integer`") && of(1).message.contains("port"), "{}", of(1).message);
    assert_eq!(of(15).code, LintCode::AnnotationUnknown);
    assert_eq!(of(15).severity, Severity::Info);
    let s = level_schema(&d);
    assert!(!s.keys.contains_key("A"), "a wrong type checks nothing");
    assert!(!s.keys.contains_key("C"), "nor a wrong date");
}

#[test]
fn every_type_takes_what_it_should_and_refuses_the_rest() {
    let cases: &[(&str, &[&str], &[&str])] = &[
        ("string", &["", "anything ✓", " "], &[]),
        (
            "int",
            &["0", "-12", "+7", "9223372036854775807"],
            &["", "1.5", "12a", "١٢", "9223372036854775808", " 1", "-"],
        ),
        ("int(1..10)", &["1", "10", "5"], &["0", "11", "-1"]),
        ("int(0..)", &["0", "99999"], &["-1"]),
        ("int(..0)", &["0", "-5"], &["1"]),
        ("port", &["1", "8080", "65535"], &["0", "65536", "-1", "http", "80 ", ""]),
        ("bool", &["true", "FALSE", "1", "0", "Yes", "no", "on", "OFF"], &["", "y", "2", "truthy", "ｔｒｕｅ"]),
        (
            "url",
            &["https://example.com/x?y=1", "postgres://u@db:5432/app", "mailto:a@b.c", "https://münchen.de/"],
            &["", "example.com", "/relative", "http//x", "://x"],
        ),
        ("url(https|postgres)", &["https://x.io", "POSTGRES://db/app"], &["http://x.io", "ftp://x"]),
        (
            "email",
            &["a@b.co", "first.last+tag@sub.example.org", "ü@exämple.de"],
            &["", "a@b", "@b.co", "a@.co", "a b@c.de", "a@b..co", "a@b.co."],
        ),
        (
            "uuid",
            &["123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000"],
            &["123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g", ""],
        ),
        ("json", &["{}", "[1,2]", "\"s\"", "null", " 1 "], &["", "{", "{'a':1}", "undefined"]),
        ("base64", &["aGVsbG8=", "aGVsbG8", "a-_b", "+/+/"], &["", "not base64!", "aGVsbG8==="]),
        ("duration", &["250ms", "30s", "5m", "1h30m", "2d", "1w"], &["", "30", "s", "1.5h", "1y", "-5s", "5 m"]),
        ("enum(debug|info|warn)", &["debug", "warn"], &["", "Debug", "error", "info "]),
        ("regex([a-z]{3}-[0-9]+)", &["abc-1", "xyz-0042"], &["abc-", "ABC-1", "xabc-1", "abc-1\n"]),
        ("regex(ü+)", &["üü"], &["u"]),
    ];
    for (t, good, bad) in cases {
        for v in *good {
            assert!(ok(t, v), "{t} should take {v:?}");
        }
        for v in *bad {
            let r = ty(t).check(v, &mut Patterns::default());
            let reason = r.expect_err(&format!("{t} should refuse {v:?}"));
            // (Short values can be words of the reason itself: `y` in "yes".)
            if v.trim().chars().count() >= 5 {
                assert!(!reason.contains(v.trim()), "a reason never holds the value: {reason}");
            }
        }
    }
    // A reason quotes the type's own text (a pattern), never the value (the fuzz target's first find
    // was its own property forgetting the first half).
    let t = ty("regex((a+)+$x)");
    let reason = t.check("oes not match `(a+)+$x", &mut Patterns::default()).unwrap_err();
    assert_eq!(reason, "does not match `(a+)+$x`");
    // Written back as parsed.
    for t in ["int", "int(1..10)", "int(..5)", "url", "url(https|postgres)", "enum(a|b)", "regex(x+)", "duration"] {
        assert_eq!(ty(t).to_string(), t);
    }
    for bad in [
        "regex(a)|(b)",
        "integer",
        "int(a..b)",
        "int(1-2)",
        "enum()",
        "enum",
        "regex(",
        "port(1)",
        "url(ht tp)",
        "enum(a||b)",
    ] {
        assert!(ValueType::parse(bad).is_err(), "{bad}");
    }
    let long = format!("regex({})", "a".repeat(schema::MAX_PATTERN + 1));
    assert!(ValueType::parse(&long).unwrap_err().contains("longer"));
    // A value past MAX_PATTERN_VALUE fails `regex(…)` unchecked, with a reason that says why (a
    // 4 MiB value took 1.3 s against a pattern the lazy DFA gives up on); one at the bound is checked.
    let t = ty("regex((?s:.*a.{60}b))");
    let at = format!("{}a{}", "b".repeat(schema::MAX_PATTERN_VALUE - 62), "b".repeat(61));
    assert_eq!(t.check(&at, &mut Patterns::default()), Ok(()));
    let past = format!("b{at}");
    assert!(t.check(&past, &mut Patterns::default()).unwrap_err().contains("too long to check"));
}

fn levels(texts: &[(LevelKind, &str)]) -> Schema {
    let read: Vec<(LevelKind, schema::LevelSchema)> = texts.iter().map(|(k, t)| (*k, level_schema(&doc(t)))).collect();
    Schema::of_levels(read.iter().map(|(k, s)| (*k, s)))
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

fn run(schema: &Schema, values: &[(&str, &str)]) -> Vec<(String, ProblemKind, ProblemSeverity)> {
    let never = |_: &str| None;
    let ctx = CheckContext { today: today(), warn_days: 14, last_changed: &never };
    check(schema, &vars(values), &ctx).into_iter().map(|p| (p.key, p.kind, p.severity)).collect()
}

#[test]
fn deeper_levels_override_property_by_property() {
    let project = "# @required\n# @type: port\n# @description: Where it listens\nPORT=\n# @required\nAPI_KEY=\n";
    let target = "# @type: int(1000..2000)\nPORT=1500\n";
    let staging = "# @optional\nAPI_KEY=\n";
    let s = levels(&[(LevelKind::Project, project), (LevelKind::Target, target), (LevelKind::Environment, staging)]);
    let port = s.key("PORT").unwrap();
    assert_eq!(
        port.schema.value_type,
        Some(ValueType::Int { min: Some(1000), max: Some(2000) }),
        "the target narrows the type"
    );
    assert_eq!(port.schema.required, Some(true), "and keeps the project's @required");
    assert_eq!(port.schema.description.as_deref(), Some("Where it listens"));
    assert_eq!((port.required_by, port.type_from), (Some(LevelKind::Project), Some(LevelKind::Target)));
    assert_eq!(s.key("API_KEY").unwrap().schema.required, Some(false), "staging lifts @required");
    assert!(run(&s, &[("PORT", "1500"), ("API_KEY", "")]).is_empty());
    let production = levels(&[(LevelKind::Project, project), (LevelKind::Target, target)]);
    let problems = run(&production, &[("PORT", "1500"), ("API_KEY", "")]);
    assert_eq!(problems, [("API_KEY".into(), ProblemKind::Empty, ProblemSeverity::Error)]);
}

#[test]
fn a_merged_result_is_checked_for_presence_type_expiry_and_rotation() {
    let project = "\
# @required @type: port
PORT=
# @required
DATABASE_URL=
# @type: enum(debug|info)
LOG=
# @expires: 2026-11-30
OLD_TOKEN=x
# @expires: 2026-12-10
SOON_TOKEN=x
# @expires: 2027-06-01
LATER_TOKEN=x
# @rotate-every: 90d
STRIPE_KEY=x
# @expires: 2026-01-01
UNSET_BUT_EXPIRED=
";
    let s = levels(&[(LevelKind::Project, project)]);
    let staging = run(
        &s,
        &[
            ("PORT", "abc"),
            ("DATABASE_URL", "postgres://db"),
            ("LOG", ""),
            ("OLD_TOKEN", "x"),
            ("SOON_TOKEN", "x"),
            ("LATER_TOKEN", "x"),
            ("STRIPE_KEY", "x"),
        ],
    );
    let kinds: Vec<(&str, &ProblemKind)> = staging.iter().map(|(k, p, _)| (k.as_str(), p)).collect();
    assert_eq!(
        kinds,
        [
            (
                "PORT",
                &ProblemKind::WrongType { expected: "port".into(), reason: "is not a port number (1 to 65535)".into() }
            ),
            ("OLD_TOKEN", &ProblemKind::Expired { on: "2026-11-30".into() }),
            ("SOON_TOKEN", &ProblemKind::ExpiresSoon { on: "2026-12-10".into(), days: 9 }),
        ],
        "an empty LOG is not checked against its enum; UNSET_BUT_EXPIRED is not set"
    );
    let production = run(&s, &[("DATABASE_URL", "")]);
    assert_eq!(production[0], ("PORT".into(), ProblemKind::Missing, ProblemSeverity::Error));
    assert_eq!(production[1], ("DATABASE_URL".into(), ProblemKind::Empty, ProblemSeverity::Error));
    // Rotation, when the date of the last change is known.
    let changed = |k: &str| (k == "STRIPE_KEY").then(|| NaiveDate::from_ymd_opt(2026, 8, 1).unwrap());
    let ctx = CheckContext { today: today(), warn_days: 14, last_changed: &changed };
    let p = check(&s, &vars(&[("PORT", "80"), ("DATABASE_URL", "x"), ("STRIPE_KEY", "sk")]), &ctx);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].kind, ProblemKind::RotationDue { changed: "2026-08-01".into(), every_days: 90 });
    assert_eq!(p[0].severity, ProblemSeverity::Warning);
    let recent = |k: &str| (k == "STRIPE_KEY").then(|| NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
    let ctx = CheckContext { today: today(), warn_days: 14, last_changed: &recent };
    assert!(check(&s, &vars(&[("PORT", "80"), ("DATABASE_URL", "x"), ("STRIPE_KEY", "sk")]), &ctx).is_empty());
    // Messages name keys and never values.
    let all = check(&s, &vars(&[("PORT", "secret-port-value"), ("LOG", "secret-log-value")]), &ctx);
    for p in &all {
        assert!(!p.message.contains("secret-"), "{}", p.message);
    }
}

#[test]
fn values_that_break_the_schema_are_error_lints_at_their_line() {
    let project = level_schema(&doc("# @type: port\nPORT=\n"));
    let env = doc("A=1\nPORT=abc\n# @type: bool\nDEBUG=maybe\nEMPTY_PORT=\n");
    let lints = env.lint_in(&[(LevelKind::Project, &project)], LevelKind::Environment);
    let typed: Vec<(usize, &str)> =
        lints.iter().filter(|l| l.code == LintCode::SchemaType).map(|l| (l.line, l.message.as_str())).collect();
    assert_eq!(
        typed,
        [
            (2, "`PORT` is not a port number (1 to 65535) (`@type: port`)"),
            (4, "`DEBUG` is not a boolean (true, false, 1, 0, yes, no, on, off) (`@type: bool`)")
        ]
    );
    assert!(lints.iter().filter(|l| l.code == LintCode::SchemaType).all(|l| l.severity == Severity::Error));
    // Alone, the environment knows only its own annotations.
    assert_eq!(env.lint().iter().filter(|l| l.code == LintCode::SchemaType).count(), 1);
}

fn annotated_document() -> impl Strategy<Value = (String, Vec<String>)> {
    let annotation = prop_oneof![
        Just("# @required".to_owned()),
        Just("# @type: port".to_owned()),
        Just("#@sensitive @type: enum(a|b)".to_owned()),
        Just("# @description: what it is".to_owned()),
        Just("# @expires: 2027-01-31".to_owned()),
        Just("# @owner: someone".to_owned()),
        Just("# plain comment".to_owned()),
    ];
    let entry = (
        "[A-Z][A-Z0-9_]{0,5}",
        prop::collection::vec(annotation, 0..3),
        "[a-z0-9]{0,6}",
        prop_oneof![Just("\n"), Just("\r\n")],
        any::<bool>(),
    );
    prop::collection::vec(entry, 1..8).prop_map(|entries| {
        let mut text = String::new();
        let mut keys = Vec::new();
        for (k, notes, v, eol, blank) in entries {
            for n in notes {
                text.push_str(&n);
                text.push_str(eol);
            }
            text.push_str(&format!("{k}={v}{eol}"));
            if blank {
                text.push_str(eol);
            }
            keys.push(k);
        }
        (text, keys)
    })
}

proptest! {
    /// Annotations are comment lines: the document prints back byte for byte, and an edit of any key
    /// (a new value, a rename of another key, a removal of another key) leaves every other key's
    /// annotations as they were — and the edited key's, when only its value changed.
    #[test]
    fn annotations_survive_every_edit((text, keys) in annotated_document(), pick in any::<prop::sample::Index>(), value in "[a-z0-9 #'\"$]{0,8}") {
        let d = Document::parse(&text).unwrap();
        prop_assert_eq!(d.to_string(), text.clone());
        let before = level_schema(&d);
        let key = pick.get(&keys).clone();
        let untouched = |s: &schema::LevelSchema, except: &str| -> Vec<(String, schema::KeySchema)> {
            // Lines move when a line above is removed; what each key says does not.
            s.keys
                .iter()
                .filter(|(k, _)| k.as_str() != except)
                .map(|(k, (_, v))| {
                    let mut v = v.clone();
                    v.unknown.iter_mut().for_each(|a| a.line = 0);
                    (k.clone(), v)
                })
                .collect()
        };

        let mut set = d.clone();
        set.set(&key, &value).unwrap();
        let after = level_schema(&set);
        prop_assert_eq!(untouched(&after, ""), untouched(&before, ""), "a new value keeps every annotation");

        let mut removed = d.clone();
        removed.remove(&key);
        prop_assert_eq!(untouched(&level_schema(&removed), &key), untouched(&before, &key));

        let fresh = "ZZ_NEW_KEY";
        let mut renamed = d.clone();
        if renamed.rename(&key, fresh).is_ok() {
            let s = level_schema(&renamed);
            prop_assert_eq!(untouched(&s, fresh), untouched(&before, &key));
            let what = |s: &schema::LevelSchema, k: &str| s.keys.get(k).map(|(_, v)| {
                let mut v = v.clone();
                v.unknown.iter_mut().for_each(|a| a.line = 0);
                v
            });
            prop_assert_eq!(what(&s, fresh), what(&before, &key), "a renamed key keeps its annotations");
        }
    }
}

#[test]
fn an_example_files_keys_become_required_without_their_values() {
    let level = doc("# db\nDB=prod\r\n# @required\nPORT=80\nLOG=info");
    let keys: Vec<String> = ["DB", "PORT", "NEW_KEY", "LOG", "DB"].iter().map(|s| s.to_string()).collect();
    let r = schema::require_keys(&level, &keys, &[]).unwrap();
    assert_eq!(r.added, ["NEW_KEY"]);
    assert_eq!(r.annotated, ["DB", "LOG"]);
    assert_eq!(r.unchanged, ["PORT"]);
    assert_eq!(r.text, "# db\n# @required\r\nDB=prod\r\n# @required\nPORT=80\n# @required\r\nLOG=info\r\n\r\n# @required\r\nNEW_KEY=\r\n");
    let after = doc(&r.text);
    assert_eq!(after.get("DB"), Some("prod"), "values stay");
    assert_eq!(after.get("NEW_KEY"), Some(""), "declared empty");
    // Into an empty level; a key that is not one is refused and nothing is made.
    let r = schema::require_keys(&doc(""), &["A".into()], &[]).unwrap();
    assert_eq!(r.text, "# @required\nA=\n");
    assert!(schema::require_keys(&doc("A=1\n"), &["not a key".into()], &[]).is_err());
    // A key a level above sets is not declared empty here (it would hide that value).
    let r = schema::require_keys(&doc("A=1\n"), &["A".into(), "DB".into(), "NEW".into()], &["DB".into()]).unwrap();
    assert_eq!(
        (r.added, r.annotated, r.set_above),
        (vec!["NEW".to_owned()], vec!["A".to_owned()], vec!["DB".to_owned()])
    );
    assert!(!r.text.contains("DB="));
    let r = schema::require_keys(&doc("A=1\n"), &["A".into()], &[]).unwrap();
    assert!(!format!("{r:?}").contains("A=1"), "Debug leaves the text out");
}

/// Review of issue 16: removing a key never takes a level-wide annotation (`# @schema: strict`,
/// `# @absent:`) with it, even one written on the same line as a key's flags.
#[test]
fn removing_a_key_keeps_level_wide_annotations() {
    let mut d = doc("# @schema: strict\n# @absent: X\n# @required\nA=1\n");
    assert!(d.remove("A"));
    assert_eq!(d.to_string(), "# @schema: strict\n# @absent: X\n");
    let mut d = doc("B=2\n# @required @schema: strict\nA=1\n");
    assert!(d.remove("A"));
    assert_eq!(d.to_string(), "B=2\n# @required @schema: strict\n");
    assert!(schema::is_strict(&d.to_string()));
}
