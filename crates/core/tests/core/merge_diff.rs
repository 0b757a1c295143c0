//! Merge with provenance, key-wise diff and the three-way merge.

use envdesk_core::diff::{self, Change};
use envdesk_core::merge::{self, LevelKind};

use super::vars;

#[test]
fn merge_provenance_and_order() {
    let p = vars(&[("DB", "p-db"), ("LOG", "info"), ("ONLY_P", "1")]);
    let t = vars(&[("LOG", "debug"), ("PORT", "8080"), ("DB", "t-db")]);
    let e = vars(&[("DB", "e-db"), ("NEW", "x")]);
    let m = merge::merge(&[(LevelKind::Project, &p), (LevelKind::Target, &t), (LevelKind::Environment, &e)]);
    let keys: Vec<&str> = m.iter().map(|v| v.key.as_str()).collect();
    assert_eq!(keys, ["DB", "LOG", "ONLY_P", "PORT", "NEW"], "first appearance");
    let db = &m[0];
    assert_eq!((db.value.as_str(), db.source), ("e-db", LevelKind::Environment));
    let over: Vec<_> = db.overrides.iter().map(|o| (o.level, o.value.as_str())).collect();
    assert_eq!(over, [(LevelKind::Project, "p-db"), (LevelKind::Target, "t-db")]);
    assert_eq!((m[1].value.as_str(), m[1].source), ("debug", LevelKind::Target));
    assert_eq!(m[2].source, LevelKind::Project);
    assert!(m[2].overrides.is_empty());
    assert!(!format!("{:?}", m[0]).contains("e-db"), "Debug hides values");
}

#[test]
fn diff_stable_order_and_summary() {
    let old = vars(&[("A", "1"), ("B", "2"), ("C", "3")]);
    let new = vars(&[("C", "3"), ("D", "4"), ("A", "one")]);
    let d = diff::diff(&old, &new);
    let keys: Vec<&str> = d.iter().map(|c| c.key()).collect();
    assert_eq!(keys, ["A", "B", "C", "D"]);
    assert!(matches!(&d[0], Change::Changed { old, new, .. } if old == "1" && new == "one"));
    assert!(matches!(&d[1], Change::Removed { .. }));
    assert!(matches!(&d[2], Change::Unchanged { .. }));
    assert!(matches!(&d[3], Change::Added { .. }));
    let s = diff::summarize(&d);
    assert_eq!((s.added, s.removed, s.changed, s.unchanged), (1, 1, 1, 1));
    assert_eq!(diff::apply(&old, &d), new);
}

#[test]
fn three_way_reports_only_true_conflicts() {
    let base = vars(&[("A", "1"), ("B", "1"), ("C", "1"), ("D", "1"), ("E", "1")]);
    // ours: change A, remove C, add X; theirs: change B, change A the same way, change D, remove E, add Y
    let ours = vars(&[("A", "2"), ("B", "1"), ("D", "ours"), ("E", "ours"), ("X", "x")]);
    let theirs = vars(&[("A", "2"), ("B", "3"), ("C", "1"), ("D", "theirs"), ("Y", "y")]);
    let m = diff::merge3(&base, &ours, &theirs);
    let conflicts: Vec<&str> = m.conflicts.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(conflicts, ["D", "E"], "only keys changed differently on both sides");
    assert_eq!(m.conflicts[1].theirs, None, "E was removed by them");
    assert_eq!(m.merged.get("A").map(String::as_str), Some("2"));
    assert_eq!(m.merged.get("B").map(String::as_str), Some("3"), "their change taken");
    assert!(!m.merged.contains_key("C"), "our removal kept");
    assert_eq!(m.merged.get("X").map(String::as_str), Some("x"));
    assert_eq!(m.merged.get("Y").map(String::as_str), Some("y"));
}
