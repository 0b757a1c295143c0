//! The key matrix of a project (issue 14): states, provenance, comparisons, `@absent`, unreadable
//! levels, and the presence CSV.

use envdesk_core::matrix::{absent_keys, key_matrix, presence_csv, LevelInput, Matrix, TargetInput};
use envdesk_core::merge::LevelKind;

fn level<'a>(slug: &'a str, text: &'a str) -> LevelInput<'a> {
    LevelInput { slug, name: slug, text }
}

fn row<'a>(m: &'a Matrix, key: &str) -> &'a envdesk_core::matrix::MatrixRow {
    m.rows.iter().find(|r| r.key == key).unwrap_or_else(|| panic!("no row {key}"))
}

/// project "app": DB, LOG; target "api": LOG=debug, PORT; environments dev, staging, prod.
fn sample() -> Matrix {
    key_matrix(
        level("app", "DB=p-db\nLOG=info\n"),
        &[
            TargetInput {
                target: level("api", "LOG=debug\nPORT=1\n"),
                environments: vec![
                    level("dev", "DB=dev-db\nONLY_DEV=1\n"),
                    level("staging", "DB=dev-db\n"),
                    level("prod", "# @absent: ONLY_DEV\nDB=prod-db\nPORT=2\n"),
                ],
            },
            TargetInput { target: level("worker", ""), environments: vec![level("w-prod", "QUEUE=q\n")] },
        ],
    )
}

#[test]
fn columns_are_the_project_then_each_target_and_its_environments() {
    let m = sample();
    let cols: Vec<(LevelKind, Option<&str>, Option<&str>)> =
        m.columns.iter().map(|c| (c.kind, c.target.as_deref(), c.environment.as_deref())).collect();
    assert_eq!(
        cols,
        [
            (LevelKind::Project, None, None),
            (LevelKind::Target, Some("api"), None),
            (LevelKind::Environment, Some("api"), Some("dev")),
            (LevelKind::Environment, Some("api"), Some("staging")),
            (LevelKind::Environment, Some("api"), Some("prod")),
            (LevelKind::Target, Some("worker"), None),
            (LevelKind::Environment, Some("worker"), Some("w-prod")),
        ]
    );
    let keys: Vec<&str> = m.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["DB", "LOG", "PORT", "ONLY_DEV", "QUEUE"], "first appearance, project first");
}

#[test]
fn cells_say_set_inherited_missing_and_same_or_different() {
    let m = sample();
    //                  project target dev  staging prod  worker w-prod
    assert_eq!(row(&m, "DB").cells, "S-".to_owned() + "P-" + "S-" + "S=" + "S~" + "P-" + "P-");
    assert_eq!(row(&m, "LOG").cells, "S-S-T-T=T=P-P-", "the target's value wins over the project's");
    assert_eq!(row(&m, "PORT").cells, ".-S-T-T=S~.-M-");
    assert_eq!(row(&m, "QUEUE").cells, ".-.-M-M-M-.-S-");
    assert!(row(&m, "DB").differs && !row(&m, "DB").missing);
    assert!(!row(&m, "LOG").differs && !row(&m, "LOG").missing);
    assert!(row(&m, "PORT").missing && row(&m, "PORT").differs);
}

#[test]
fn lines_are_those_of_each_set_cell() {
    let m = sample();
    assert_eq!(row(&m, "DB").lines, [1, 1, 1, 2], "project, dev, staging, prod (after the @absent line)");
    assert_eq!(row(&m, "PORT").lines, [2, 3]);
    let twice = key_matrix(level("p", "A=1\n\nA=2\n"), &[]);
    assert_eq!(twice.rows[0].lines, [3], "the winning assignment");
}

#[test]
fn absent_on_purpose_is_not_missing() {
    let m = sample();
    let only_dev = row(&m, "ONLY_DEV");
    assert_eq!(only_dev.cells, ".-.-S-M-A-.-M-");
    assert!(only_dev.missing, "staging and w-prod still miss it");

    // Marked in the target: every environment of the target; in the project: every environment.
    let m = key_matrix(
        level("app", "# @absent: B\n"),
        &[TargetInput {
            target: level("t", "#@absent:A , not a key, ,C\n"),
            environments: vec![level("e1", "A=1\nB=1\nC=1\n"), level("e2", "")],
        }],
    );
    for key in ["A", "B", "C"] {
        assert_eq!(row(&m, key).cells, ".-.-S-A-", "{key}");
        assert!(!row(&m, key).missing, "{key}");
    }
}

#[test]
fn the_absent_annotation_reads_like_tags() {
    assert_eq!(absent_keys("# @absent: A, B_2"), ["A", "B_2"]);
    assert_eq!(absent_keys("#@absent:A"), ["A"]);
    assert_eq!(absent_keys("## @absent: A,, 9X, a.b"), ["A", "a.b"], "names that are not keys are skipped");
    assert!(absent_keys("# absent: A").is_empty());
    assert!(absent_keys("# @tags: A").is_empty());
    // Directly above a key, in a block, or at the end of the file: anywhere in the level.
    let m = key_matrix(
        level("p", ""),
        &[TargetInput {
            target: level("t", ""),
            environments: vec![
                level("e1", "X=1\nY=1\nZ=1\n"),
                level("e2", "# note\n# @absent: X\nW=1\n\n# @absent: Y\n# @absent: Z"),
            ],
        }],
    );
    assert_eq!(row(&m, "X").cells, ".-.-S-A-");
    assert_eq!(row(&m, "Y").cells, ".-.-S-A-");
    assert_eq!(row(&m, "Z").cells, ".-.-S-A-");
    assert_eq!(m.rows.len(), 4, "an @absent name alone makes no row");
}

#[test]
fn a_level_that_does_not_parse_is_left_out_and_says_so() {
    let m = key_matrix(
        level("p", "A=1\n"),
        &[TargetInput {
            target: level("t", "B=1\nnot a line\n"),
            environments: vec![level("e", "C='open\n"), level("f", "D=1\n")],
        }],
    );
    assert_eq!(m.columns[0].parse_error, None);
    assert!(m.columns[1].parse_error.as_deref().is_some_and(|e| e.starts_with("line 2")), "{:?}", m.columns[1]);
    assert!(m.columns[2].parse_error.is_some() && m.columns[2].above_unreadable);
    assert!(m.columns[3].parse_error.is_none() && m.columns[3].above_unreadable);
    assert!(!m.columns[1].above_unreadable);
    let keys: Vec<&str> = m.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["A", "D"], "keys of unreadable levels are left out");
    assert!(!format!("{:?}", m.columns).contains("open"), "the error names no value");
}

#[test]
fn the_answer_holds_no_value() {
    let m = sample();
    let json = serde_json::to_string(&m).unwrap();
    for value in ["p-db", "dev-db", "prod-db", "debug", "info"] {
        assert!(!json.contains(value), "{value} leaked into {json}");
    }
}

#[test]
fn presence_csv_is_rfc_4180_without_values() {
    let m = sample();
    let csv = presence_csv("app", &m.columns, &m.rows);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines[0], "key,app,app/api,app/api/dev,app/api/staging,app/api/prod,app/worker,app/worker/w-prod");
    assert_eq!(lines[1], "DB,set,inherited from project,set,set,set,inherited from project,inherited from project");
    assert_eq!(lines[3], "PORT,,set,inherited from target,inherited from target,set,,missing");
    assert_eq!(lines[4], "ONLY_DEV,,,set,missing,absent,,missing");
    assert_eq!(lines.len(), 7, "a CRLF after every record");
    assert!(csv.ends_with("\r\n"));
    assert!(!csv.contains("p-db") && !csv.contains('='), "no values, no comparisons");

    // Quoting: only where needed, with quotes doubled (slugs and keys never need it; the writer is
    // checked through the project's name given here).
    let m = key_matrix(level("p", "a.b-c=1\n"), &[]);
    assert_eq!(presence_csv("p", &m.columns, &m.rows), "key,p\r\na.b-c,set\r\n");
    assert_eq!(presence_csv("a,\"b\"\nc", &m.columns, &m.rows), "key,\"a,\"\"b\"\"\nc\"\r\na.b-c,set\r\n");
    // A server's slug that a spreadsheet would run as a formula is written as text.
    assert_eq!(presence_csv("-2+cmd", &m.columns, &m.rows), "key,'-2+cmd\r\na.b-c,set\r\n");
    assert_eq!(presence_csv("=1,2", &m.columns, &m.rows), "key,\"'=1,2\"\r\na.b-c,set\r\n");
}

#[test]
fn an_empty_project_has_a_column_and_no_rows() {
    let m = key_matrix(level("p", ""), &[]);
    assert_eq!(m.columns.len(), 1);
    assert!(m.rows.is_empty());
    assert_eq!(presence_csv("p", &m.columns, &m.rows), "key,p\r\n");
}

#[test]
fn thirty_environments_of_two_thousand_keys() {
    let text: String = (0..2000).map(|i| format!("KEY_{i}=value-{i}\n")).collect();
    let envs: Vec<LevelInput> = (0..30).map(|_| level("e", &text)).collect();
    let start = std::time::Instant::now();
    let m = key_matrix(level("p", ""), &[TargetInput { target: level("t", ""), environments: envs }]);
    assert_eq!(m.rows.len(), 2000);
    assert_eq!(m.rows[0].cells.len(), 64);
    assert!(m.rows.iter().all(|r| !r.differs && !r.missing));
    // Not a timed test (the benchmark is separate): printed for the record.
    eprintln!("matrix of 30 × 2,000: {:?}", start.elapsed());
}

#[test]
fn environments_are_checked_against_their_schema_cell_by_cell() {
    use envdesk_core::matrix::key_matrix_checked;
    use envdesk_core::schema::{CheckContext, ProblemSeverity};
    let never = |_: &str| None;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let ctx = CheckContext { today, warn_days: 14, last_changed: &never };
    let project = "# @required\n# @type: port\nPORT=\n# @expires: 2026-12-10\nKEY=k\n# @type: url\nBASE=${HOST}/x\n";
    let targets = [TargetInput {
        target: level("api", "HOST=https://a.example\n"),
        environments: vec![
            level("dev", "PORT=8080\n"),
            level("staging", "PORT=abc\n# @expires: 2026-11-30\nKEY=k2\n"),
            level("prod", "# @optional\nPORT=\nHOST=not a url\n"),
        ],
    }];
    let m = key_matrix_checked(level("app", project), &targets, Some(&ctx));
    let port = row(&m, "PORT");
    let on = |r: &envdesk_core::matrix::MatrixRow, column: u32| -> Vec<(ProblemSeverity, String)> {
        r.problems.iter().filter(|p| p.column == column).map(|p| (p.severity, p.message.clone())).collect()
    };
    // Columns: 0 app, 1 api, 2 dev, 3 staging, 4 prod.
    assert!(on(port, 2).is_empty(), "{:?}", port.problems);
    assert_eq!(
        on(port, 3),
        [(ProblemSeverity::Error, "`PORT` is not a port number (1 to 65535) (`@type: port`)".into())]
    );
    assert!(on(port, 4).is_empty(), "@optional lifts @required in prod");
    assert!(port.problems.iter().all(|p| p.column >= 2), "project and target columns are not checked");
    let key = row(&m, "KEY");
    assert_eq!(on(key, 2), [(ProblemSeverity::Warning, "`KEY` expires in 9 days (2026-12-10)".into())]);
    assert_eq!(on(key, 3), [(ProblemSeverity::Error, "`KEY` expired on 2026-11-30".into())], "the deeper date wins");
    // Templates are checked resolved: dev's BASE is a URL, prod's is not.
    let base = row(&m, "BASE");
    assert!(on(base, 2).is_empty());
    assert_eq!(on(base, 4).len(), 1, "{:?}", base.problems);
    assert_eq!((m.schema_errors, m.schema_warnings), (3, 2), "{:?}", m.rows);
    // Messages name keys, never values.
    let json = serde_json::to_string(&m).unwrap();
    for value in ["abc", "k2", "not a url", "a.example"] {
        assert!(!json.contains(value), "{value} leaked");
    }
    // A required key missing from an environment is an error in its (missing) cell.
    let m = key_matrix_checked(
        level("app", "# @required\nDB=\n"),
        &[TargetInput { target: level("t", ""), environments: vec![level("e", "DB=x\n"), level("f", "")] }],
        Some(&ctx),
    );
    let db = row(&m, "DB");
    assert_eq!(db.cells, "S-P-S-P~");
    assert_eq!(on(db, 3), [(ProblemSeverity::Error, "`DB` is required (by the project level) and empty".into())]);
    // Unchecked, the same matrix says nothing of the schema.
    let plain = key_matrix(level("app", project), &targets);
    assert!(plain.rows.iter().all(|r| r.problems.is_empty()) && plain.schema_errors == 0);
}
