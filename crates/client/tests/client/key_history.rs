//! The history of one key, blame, reveal and the restore of one value (issue 14, part 3), on both
//! backends.

use envdesk_api::ErrorCode;
use envdesk_core::key_history::KeyChange;

use crate::cases::{client_tree, env_path, save};
use crate::conformance;
use crate::harness::Env;

conformance!(key_history_and_restore, key_cache_dropped_on_lock);

async fn key_history_and_restore(e: &Env) {
    let v = &e.vault;
    client_tree(v).await;
    let p = env_path();
    // Revisions 1..4: API_KEY changed two versions before the last, then another key changes twice.
    save(v, &p, "# the api\nAPI_KEY=old\nOTHER=1\n").await;
    save(v, &p, "# the api\nAPI_KEY=new\nOTHER=1\n").await;
    save(v, &p, "# the api\nAPI_KEY=new\nOTHER=2\n").await;
    let r4 = save(v, &p, "# the api\nAPI_KEY=new\nOTHER=3\nADDED=x\n").await;
    assert_eq!(r4, 4);

    let h = v.key_history(&p, "API_KEY").await.unwrap();
    assert_eq!(h.versions, 4);
    let seen: Vec<(Option<u64>, KeyChange)> = h.events.iter().map(|e| (e.version.revision, e.change)).collect();
    assert_eq!(seen, vec![(Some(2), KeyChange::Changed), (Some(1), KeyChange::Added)]);
    assert!(h.skipped.is_empty());
    assert_eq!(h.events[0].version.position, 2);
    assert_eq!((h.events[0].value_class, h.events[1].value_class), (Some(2), Some(1)));
    // The name of the token that wrote it ("app" on the server, "local vault" locally).
    assert!(h.events[0].version.author.as_deref().is_some_and(|a| !a.is_empty()), "{:?}", h.events[0].version);
    assert!(!format!("{h:?}").contains("old"), "no value in the history");

    let b = v.blame(&p).await.unwrap();
    let blamed: Vec<(&str, Option<u64>)> =
        b.keys.iter().map(|k| (k.key.as_str(), k.version.as_ref().and_then(|v| v.revision))).collect();
    assert_eq!(blamed, vec![("API_KEY", Some(2)), ("OTHER", Some(4)), ("ADDED", Some(4))]);

    // Reveal and compare.
    let first = &h.events[1].version.id;
    assert_eq!(v.key_value_at(&p, "API_KEY", first).await.unwrap().as_deref(), Some("old"));
    assert_eq!(v.key_value_at(&p, "ADDED", first).await.unwrap(), None);

    // A stale base revision is a conflict: nothing written.
    let err = v.restore_key_value(&p, "API_KEY", first, Some(3)).await.unwrap_err();
    assert_eq!(err.api_code(), Some(ErrorCode::RevisionConflict), "{err}");
    assert_eq!(v.history(&p, 1, 25).await.unwrap().meta.total, 4);
    // So is none at all where the server counts revisions (it would land on whatever is stored now).
    let err = v.restore_key_value(&p, "API_KEY", first, None).await.unwrap_err();
    assert_eq!(err.api_code(), Some(ErrorCode::RevisionConflict), "{err}");
    assert_eq!(v.history(&p, 1, 25).await.unwrap().meta.total, 4);

    // Restore of that value alone: the other keys (and the comment) stay as they are.
    let done = v.restore_key_value(&p, "API_KEY", first, Some(4)).await.unwrap();
    assert_eq!((done.revision, done.written), (Some(5), true));
    let node = v.read_node(&p).await.unwrap();
    assert_eq!(node.levels[2].text, "# the api\nAPI_KEY=old\nOTHER=3\nADDED=x\n");
    // A key absent in that version is removed.
    let done = v.restore_key_value(&p, "ADDED", first, Some(5)).await.unwrap();
    assert_eq!(done.revision, Some(6));
    assert_eq!(v.read_node(&p).await.unwrap().levels[2].text, "# the api\nAPI_KEY=old\nOTHER=3\n");
    // The restore shows in the history, with its action.
    let h = v.key_history(&p, "API_KEY").await.unwrap();
    assert_eq!(h.events[0].version.revision, Some(5));
    assert_eq!(h.events[0].change, KeyChange::Changed);
    assert_eq!(h.events.len(), 3);
    // Back to the first value: the same class, so the UI can say the two are equal.
    assert_eq!(h.events[0].value_class, h.events[2].value_class);

    // Restoring the value it already has writes nothing.
    let same = v.restore_key_value(&p, "API_KEY", &h.events[0].version.id, Some(6)).await.unwrap();
    assert_eq!((same.revision, same.written), (Some(6), false));

    // A version of another level is refused.
    let other = envdesk_api::NodePath::project("app");
    save(v, &other, "X=1\n").await;
    let other_id = v.history(&other, 1, 25).await.unwrap().versions[0].id.clone();
    let err = v.key_value_at(&p, "X", &other_id).await.unwrap_err();
    assert_eq!(err.api_code(), Some(ErrorCode::NotFound), "{err}");
}

async fn key_cache_dropped_on_lock(e: &Env) {
    let v = &e.vault;
    client_tree(v).await;
    let p = env_path();
    save(v, &p, "A=1\n").await;
    save(v, &p, "A=2\n").await;
    v.key_history(&p, "A").await.unwrap();
    assert!(v.key_cache_bytes() > 0);
    v.lock("app");
    assert_eq!(v.key_cache_bytes(), 0);
    assert!(v.key_history(&p, "A").await.is_err(), "locked: nothing is read");
    v.unlock("app").await.unwrap();
    // A level emptied by a delete: every key removed there.
    let rev = v.read_node(&p).await.unwrap().levels[2].revision;
    v.clear_level(&p, rev).await.unwrap();
    let h = v.key_history(&p, "A").await.unwrap();
    assert_eq!(h.events[0].change, KeyChange::Removed);
    v.lock_all();
    assert_eq!(v.key_cache_bytes(), 0);
}
