//! The views across levels (issue 14) over any level texts: the key matrix (checked against the
//! schema), the search index and one key's history never panic, and keep their shapes. Input: parts
//! separated by NUL — the first is a search query and a key name, the rest are level texts (the
//! project, then one target's environments, and the same texts as the versions of one level).
#![no_main]

use envdesk_core::key_history::{blame, key_history, LevelState};
use envdesk_core::matrix::{key_matrix_checked, presence_csv, LevelInput, TargetInput};
use envdesk_core::schema::CheckContext;
use envdesk_core::search::{LevelId, SearchIndex, SearchOptions};
use envdesk_core::Vars;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let query = parts.next().unwrap_or_default();
    let texts: Vec<&str> = parts.take(12).collect();
    let Some((project, envs)) = texts.split_first() else { return };

    // The matrix: two characters per column, a line for each key set, a CSV line per key.
    let names: Vec<String> = (0..envs.len()).map(|i| format!("e{i}")).collect();
    let environments =
        envs.iter().zip(&names).map(|(t, n)| LevelInput { slug: n, name: n, text: t }).collect::<Vec<_>>();
    let targets = [TargetInput { target: LevelInput { slug: "t", name: "t", text: "" }, environments }];
    // Checked against the levels' schema (issue 16): problems only in environment columns.
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
    let never = |_: &str| None;
    let ctx = CheckContext { today, warn_days: 14, last_changed: &never };
    let m = key_matrix_checked(LevelInput { slug: "p", name: "p", text: project }, &targets, Some(&ctx));
    assert_eq!(m.columns.len(), 2 + envs.len());
    let problems: usize = m.rows.iter().map(|r| r.problems.len()).sum();
    assert_eq!(problems, (m.schema_errors + m.schema_warnings) as usize);
    assert!(m.rows.iter().flat_map(|r| &r.problems).all(|p| p.column >= 2), "environments only");
    for row in &m.rows {
        assert_eq!(row.cells.chars().count(), 2 * m.columns.len(), "two characters per column");
        let set = row.cells.chars().step_by(2).filter(|&c| c == 'S').count();
        assert_eq!(row.lines.len(), set, "a line for each cell set here");
    }
    let csv = presence_csv("p", &m.columns, &m.rows);
    assert_eq!(csv.matches("\r\n").count(), m.rows.len() + 1, "a header and a line per key");

    // Search: every level indexed; hits within the cap and the total.
    let mut index = SearchIndex::new();
    index.set_level(LevelId::project("p"), project);
    for (t, n) in envs.iter().zip(&names) {
        index.set_level(LevelId::environment("p", "t", n), t);
    }
    for (comments, values) in [(false, false), (true, false), (true, true)] {
        let r = index.query(query, SearchOptions { comments, values }, 20);
        assert!(r.hits.len() <= 20 && r.hits.len() <= r.total);
    }

    // One key's history over the texts as versions, and the blame of the last readable one.
    let states: Vec<LevelState> = texts.iter().map(|t| LevelState::from_text(t)).collect();
    let h = key_history(&states, query);
    assert!(h.events.len() + h.skipped.len() <= states.len());
    let current: Vars = states.iter().rev().find_map(|s| s.vars().flatten().cloned()).unwrap_or_default();
    let b = blame(&states, &current);
    assert_eq!(b.keys.len(), current.len(), "a blame for each key of the current text");
});
