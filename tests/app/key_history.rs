//! The history of one key through the command list (issue 14, part 3): no value in the history or the
//! blame, one value on reveal, the variable's name parsed at the boundary, and the restore of one value
//! with the revision check.

use envdesk_app::app::core::LOCAL;
use envdesk_app::app::error::Code;
use envdesk_app::commands::{self as cmd, run};
use serde_json::json;

use super::{env, host, ipc, save, tree};

#[tokio::test]
async fn a_key_history_carries_no_value_and_restores_one_key() {
    let (ctx, _dir, _) = host();
    tree(&ctx).await;
    save(&ctx, &env(), "DB=hunter2\nOTHER=1\n", Some(0), "").await;
    save(&ctx, &env(), "DB=swordfish\nOTHER=1\n", Some(1), "DB=hunter2\nOTHER=1\n").await;
    save(&ctx, &env(), "DB=swordfish\nOTHER=2\n", Some(2), "DB=swordfish\nOTHER=1\n").await;

    let key = |name: &str| -> cmd::KeyRef {
        serde_json::from_value(json!({"conn": LOCAL, "path": ipc(&env()), "name": name})).unwrap()
    };
    let h = run::key_history(&ctx, key("DB")).await.unwrap();
    let revisions: Vec<Option<u64>> = h.events.iter().map(|e| e.version.revision).collect();
    assert_eq!(revisions, [Some(2), Some(1)]);
    let blame = run::level_blame(&ctx, cmd::NodeRef { conn: LOCAL.into(), path: ipc(&env()) }).await.unwrap();
    for json in [serde_json::to_string(&h).unwrap(), serde_json::to_string(&blame).unwrap()] {
        assert!(!json.contains("hunter2") && !json.contains("swordfish"), "{json}");
    }
    let first = h.events[1].version.id.clone();
    let at = |name: &str, version: &str, base: Option<u64>| -> cmd::RestoreKeyValue {
        serde_json::from_value(
            json!({"conn": LOCAL, "path": ipc(&env()), "name": name, "version": version, "base_revision": base}),
        )
        .unwrap()
    };
    let value: cmd::KeyAtVersion =
        serde_json::from_value(json!({"conn": LOCAL, "path": ipc(&env()), "name": "DB", "version": first})).unwrap();
    assert_eq!(run::key_value_at(&ctx, value).await.unwrap().as_deref(), Some("hunter2"));

    for bad in ["", "A=B", "A B", "A\nB"] {
        let r: Result<cmd::KeyRef, _> =
            serde_json::from_value(json!({"conn": LOCAL, "path": ipc(&env()), "name": bad}));
        assert!(r.is_err(), "{bad:?} is refused at the boundary");
    }
    let r: Result<cmd::KeyAtVersion, _> =
        serde_json::from_value(json!({"conn": LOCAL, "path": ipc(&env()), "name": "DB", "version": "1/../2"}));
    assert!(r.is_err(), "a version id is parsed");

    assert_eq!(run::restore_key_value(&ctx, at("DB", &first, Some(2))).await.unwrap_err().code, Code::RevisionConflict);
    let done = run::restore_key_value(&ctx, at("DB", &first, Some(3))).await.unwrap();
    assert_eq!((done.revision, done.written), (Some(4), true));
}
