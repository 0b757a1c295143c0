//! The history of one key and the blame of a level (issue 14, part 3), over versions given oldest
//! first.

use envdesk_core::key_history::{blame, key_history, key_history_of_texts, KeyChange, KeyEvent, LevelState};

use crate::vars;

fn ev(index: usize, change: KeyChange) -> KeyEvent {
    KeyEvent { index, change }
}

#[test]
fn each_version_that_changes_the_key_is_an_event() {
    let texts = [
        "A=1\nB=x\n",
        "A=1\nB=y\n",         // B changed, A not
        "# comment\nA='1'\n", // B removed; A re-quoted: same value, no change
        "A=2\nB=z\n",         // A changed, B added again
        "B=z\nA=2\n",         // moved: nothing
    ];
    let a = key_history_of_texts(&texts, "A");
    assert_eq!(a.events, vec![ev(0, KeyChange::Added), ev(3, KeyChange::Changed)]);
    assert!(a.skipped.is_empty());
    let b = key_history_of_texts(&texts, "B");
    assert_eq!(
        b.events,
        vec![ev(0, KeyChange::Added), ev(1, KeyChange::Changed), ev(2, KeyChange::Removed), ev(3, KeyChange::Added)]
    );
    assert!(key_history_of_texts(&texts, "NEVER").events.is_empty());
}

#[test]
fn a_version_that_does_not_parse_is_skipped_and_said() {
    // Version 1 does not parse (an unterminated quote): it is skipped, and version 2 is compared with
    // version 0 — no value is guessed for version 1.
    let texts = ["A=1\nB=1\n", "A=\"2\nB=2\n", "A=3\nB=1\n"];
    let h = key_history_of_texts(&texts, "A");
    assert_eq!(h.skipped, vec![1]);
    assert_eq!(h.events, vec![ev(0, KeyChange::Added), ev(2, KeyChange::Changed)]);
    let h = key_history_of_texts(&texts, "B");
    assert_eq!(h.skipped, vec![1]);
    assert_eq!(h.events, vec![ev(0, KeyChange::Added)]);
    assert!(
        matches!(LevelState::from_text(texts[1]), LevelState::Unreadable(ref why) if why.contains("does not parse"))
    );
}

#[test]
fn a_delete_empties_the_level() {
    let states = [LevelState::Vars(vars(&[("A", "1")])), LevelState::Emptied, LevelState::Vars(vars(&[("A", "1")]))];
    let h = key_history(&states, "A");
    assert_eq!(h.events, vec![ev(0, KeyChange::Added), ev(1, KeyChange::Removed), ev(2, KeyChange::Added)]);
}

#[test]
fn blame_names_the_version_that_set_each_current_value() {
    let texts = ["A=1\nB=1\nC=1\n", "A=2\nB=1\nC=1\n", "A=2\nC=1\n", "A=2\nB=1\nC=1\nD=1\n", "A=2\nB=1\nC=1\nD=1\n"];
    let states: Vec<LevelState> = texts.iter().map(|t| LevelState::from_text(t)).collect();
    let current = vars(&[("A", "2"), ("B", "1"), ("C", "1"), ("D", "1"), ("E", "new")]);
    let b = blame(&states, &current);
    let got: Vec<(&str, Option<usize>)> = b.keys.iter().map(|k| (k.key.as_str(), k.index)).collect();
    // B came back in version 3 (removed in 2): its value was set there, not in 0. E is in no version.
    assert_eq!(got, vec![("A", Some(1)), ("B", Some(3)), ("C", Some(0)), ("D", Some(3)), ("E", None)]);
    assert!(b.skipped.is_empty());
}

#[test]
fn blame_never_guesses_past_what_it_can_read() {
    let states =
        [LevelState::Vars(vars(&[("A", "1"), ("B", "1")])), LevelState::Unreadable("cannot be decrypted here".into())];
    // The current value of A equals the last readable version's: blamed there. B differs: unknown.
    let b = blame(&states, &vars(&[("A", "1"), ("B", "2")]));
    assert_eq!(b.skipped, vec![1]);
    assert_eq!(b.keys[0].index, Some(0));
    assert_eq!(b.keys[1].index, None);
}

#[test]
fn debug_shows_no_value() {
    let s = LevelState::Vars(vars(&[("TOKEN", "hunter2")]));
    let d = format!("{s:?}");
    assert!(!d.contains("hunter2") && !d.contains("TOKEN"), "{d}");
}
