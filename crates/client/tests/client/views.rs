//! Open views (issue 14, part 4), on both backends: the answer carries one level's text, the merged
//! rows come in windows (filtered, bounded), another level's text on request, the live merge of an
//! edit (templates resolved), and a lock or a newer read closes views.

use envdesk_api::NodePath;
use envdesk_client::vault::{MemoryLimits, NewProjectKey, MAX_VIEWS, MAX_WINDOW};
use envdesk_client::ClientError;
use envdesk_client::VaultOptions;
use envdesk_core::merge::LevelKind;

use crate::cases::save;
use crate::conformance;
use crate::harness::Env;

conformance!(views_send_windows_of_rows, views_close_on_lock_and_newer_reads);

async fn setup(e: &Env, project: &str, key: NewProjectKey) -> NodePath {
    let v = &e.vault;
    v.create_project(project, Some(project), key).await.unwrap();
    v.unlock(project).await.unwrap();
    v.create_target(project, "api", Some("api")).await.unwrap();
    v.create_environment(project, "api", "prod", Some("prod"), None).await.unwrap();
    let mut p = String::new();
    for i in 0..1500 {
        p.push_str(&format!("KEY_{i:04}=project-{i}\n"));
    }
    save(v, &NodePath::project(project), &p).await;
    save(v, &NodePath::target(project, "api"), "KEY_0001=target-1\nHOST=db.internal\n").await;
    let env = NodePath::environment(project, "api", "prod");
    save(v, &env, "KEY_0002=prod-2\nURL=postgres://${HOST}/app\n# broken? no\n").await;
    env
}

async fn views_send_windows_of_rows(e: &Env) {
    let v = &e.vault;
    let env = setup(e, "app", NewProjectKey::Generate).await;

    // The answer: the deepest level's text only.
    let opened = v.open_view(&env, None).await.unwrap();
    assert_eq!(opened.text_of, LevelKind::Environment);
    assert_eq!(opened.keys, 1502);
    let texts: Vec<&str> = opened.node.levels.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts, ["", "", "KEY_0002=prod-2\nURL=postgres://${HOST}/app\n# broken? no\n"]);
    assert!(opened.node.merged.is_empty(), "the merged result stays in the vault");
    assert!(opened.node.levels.iter().all(|l| l.revision.is_some()));
    // Asked for another level, that level's text comes instead.
    let t = v.open_view(&env, Some(LevelKind::Target)).await.unwrap();
    assert_eq!(t.text_of, LevelKind::Target);
    assert_eq!(t.node.levels[1].text, "KEY_0001=target-1\nHOST=db.internal\n");
    assert_eq!(t.node.levels[2].text, "");
    let id = t.id;

    // Windows: in merge order, with provenance and templates; the total of what matches.
    let w = v.view_rows(id, 0, 3, "", true).unwrap();
    assert_eq!((w.total, w.all, w.offset, w.live), (1502, 1502, 0, false));
    let keys: Vec<&str> = w.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["KEY_0000", "KEY_0001", "KEY_0002"]);
    assert_eq!((w.rows[1].value.as_str(), w.rows[1].source), ("target-1", LevelKind::Target));
    assert_eq!(w.rows[1].overrides.len(), 1);
    assert_eq!((w.rows[2].source, w.rows[2].overrides.len()), (LevelKind::Environment, 1));
    let w = v.view_rows(id, 1500, 10, "", true).unwrap();
    let keys: Vec<&str> = w.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["HOST", "URL"]);
    assert_eq!(w.rows[1].resolved.as_deref(), Some("postgres://db.internal/app"));
    assert_eq!(w.rows[1].error, None);
    // Past the end: no rows, the total still said.
    let w = v.view_rows(id, 5000, 10, "", true).unwrap();
    assert!(w.rows.is_empty());
    assert_eq!(w.total, 1502);
    // A window is bounded whatever is asked.
    assert_eq!(v.view_rows(id, 0, u32::MAX, "", true).unwrap().rows.len(), MAX_WINDOW as usize);
    // The filter: key names, ignoring case; the total counts the matches.
    let w = v.view_rows(id, 0, 100, "key_00", true).unwrap();
    assert_eq!((w.total, w.rows.len()), (100, 100));
    let w = v.view_rows(id, 0, 100, "url", true).unwrap();
    assert_eq!((w.total, w.rows[0].key.as_str()), (1, "URL"));
    assert_eq!(v.view_rows(id, 0, 100, "prod-2", true).unwrap().total, 0, "values are not filtered on");
    assert!(matches!(v.view_rows(id, 0, 1, &"x".repeat(2000), true), Err(ClientError::Invalid(_))));
    // One key, and the text of a level not sent.
    assert_eq!(v.view_key(id, "KEY_0002", true).unwrap().unwrap().value, "prod-2");
    assert!(v.view_key(id, "NOPE", true).unwrap().is_none());
    assert_eq!(v.view_level_text(id, LevelKind::Environment).unwrap(), texts[2]);
    assert!(v.view_level_text(id, LevelKind::Project).unwrap().starts_with("KEY_0000=project-0\n"));

    // A live edit: the rows are the result with the level as typed, templates resolved.
    let n = v.view_edit(id, LevelKind::Environment, Some("HOST=edited\nURL=postgres://${HOST}/x\nNEW=1\n"), 1).unwrap();
    assert_eq!(n, 1503);
    let w = v.view_rows(id, 1500, 10, "", true).unwrap();
    assert!(w.live);
    // The saved result is still there for who asks for it (the Merged tab).
    let saved = v.view_rows(id, 1500, 10, "", false).unwrap();
    assert!(!saved.live);
    assert_eq!(saved.rows[0].value, "db.internal");
    assert_eq!(v.view_key(id, "KEY_0002", false).unwrap().unwrap().value, "prod-2");
    let rows: Vec<(&str, &str, Option<&str>)> =
        w.rows.iter().map(|r| (r.key.as_str(), r.value.as_str(), r.resolved.as_deref())).collect();
    assert_eq!(
        rows,
        [("HOST", "edited", None), ("URL", "postgres://${HOST}/x", Some("postgres://edited/x")), ("NEW", "1", None)]
    );
    assert_eq!(v.view_key(id, "KEY_0002", true).unwrap().unwrap().value, "project-2", "the edit removed it here");
    // A text that does not parse leaves that level's keys out, as a saved one would.
    assert_eq!(v.view_edit(id, LevelKind::Environment, Some("A B C\n"), 2).unwrap(), 1501);
    // Back to the saved text (or none): the saved result.
    assert_eq!(v.view_edit(id, LevelKind::Environment, Some(texts[2]), 3).unwrap(), 1502);
    assert!(!v.view_rows(id, 0, 1, "", true).unwrap().live);
    v.view_edit(id, LevelKind::Target, Some(""), 4).unwrap();
    assert!(v.view_key(id, "HOST", true).unwrap().is_none());
    v.view_edit(id, LevelKind::Target, None, 5).unwrap();
    assert!(v.view_key(id, "HOST", true).unwrap().is_some());
    // An edit older than the last applied (a late answer of a concurrent call) changes nothing.
    v.view_edit(id, LevelKind::Target, Some(""), 4).unwrap();
    assert!(v.view_key(id, "HOST", true).unwrap().is_some());
    // A level the node does not have.
    let target = v.open_view(&NodePath::target("app", "api"), None).await.unwrap();
    assert_eq!(target.keys, 1501);
    assert!(matches!(v.view_edit(target.id, LevelKind::Environment, Some("A=1\n"), 1), Err(ClientError::Invalid(_))));
    assert!(matches!(v.view_level_text(target.id, LevelKind::Environment), Err(ClientError::Invalid(_))));
}

async fn views_close_on_lock_and_newer_reads(e: &Env) {
    let v = &e.vault;
    let env = setup(e, "app", NewProjectKey::Generate).await;
    let other = setup(e, "web", NewProjectKey::ServerManaged).await;
    let a = v.open_view(&env, None).await.unwrap().id;
    let b = v.open_view(&other, None).await.unwrap().id;
    // A second read of the same node is a second view; the first stays open.
    let a2 = v.open_view(&env, None).await.unwrap().id;
    assert_ne!(a, a2);
    assert!(v.view_rows(a, 0, 1, "", true).is_ok());
    assert!(v.view_rows(a2, 0, 1, "", true).is_ok());
    // Locking a project closes its views only.
    v.lock("app");
    assert!(matches!(v.view_rows(a, 0, 1, "", true), Err(ClientError::ViewClosed)));
    assert!(matches!(v.view_rows(a2, 0, 1, "", true), Err(ClientError::ViewClosed)));
    assert!(v.view_rows(b, 0, 1, "", true).is_ok());
    assert!(matches!(v.open_view(&env, None).await, Err(ClientError::Locked { .. } | ClientError::KeyNeeded { .. })));
    // Locking everything closes every view.
    v.lock_all();
    assert!(matches!(v.view_rows(b, 0, 1, "", true), Err(ClientError::ViewClosed)));
    // At most MAX_VIEWS are kept: the oldest goes first.
    v.unlock("web").await.unwrap();
    let mut ids = Vec::new();
    for path in [NodePath::project("web"), NodePath::target("web", "api"), other.clone()] {
        ids.push(v.open_view(&path, None).await.unwrap().id);
    }
    for i in 0..MAX_VIEWS {
        let name = format!("e{i}");
        v.create_environment("web", "api", &name, Some(&name), None).await.unwrap();
        ids.push(v.open_view(&NodePath::environment("web", "api", &name), None).await.unwrap().id);
    }
    let open: Vec<bool> = ids.iter().map(|id| v.view_rows(*id, 0, 1, "", false).is_ok()).collect();
    assert_eq!(open.iter().filter(|o| **o).count(), MAX_VIEWS);
    assert_eq!(&open[..3], [false, false, false]);
    v.close_view(ids[ids.len() - 1]);
    assert!(matches!(v.view_rows(ids[ids.len() - 1], 0, 1, "", false), Err(ClientError::ViewClosed)));
}

conformance!(views_built_from_many_levels_are_bounded);

/// A server whose levels or versions hold more than envdesk keeps in memory for one view: the matrix and
/// one key's history are refused with `TooLarge`, search leaves the levels past its budget out and lists
/// them; nothing is truncated silently.
async fn views_built_from_many_levels_are_bounded(e: &Env) {
    let env = setup(e, "app", NewProjectKey::Generate).await;
    for i in 0..3 {
        save(&e.vault, &env, &format!("KEY_0002=prod-{i}\n")).await;
    }
    let limits = MemoryLimits { matrix_bytes: 4096, indexed_text: 4096, history_bytes: 4096, views_bytes: 4096 };
    let small = e.fresh_vault_with(VaultOptions { limits, ..crate::harness::opts() });
    small.unlock("app").await.unwrap();
    let err = small.key_matrix("app").await.unwrap_err();
    assert!(matches!(err, ClientError::TooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains("4 KiB"), "{err}");
    // The target and environment levels fit; the project's 1,500 keys do not.
    let found = small.search("key_000", Default::default()).await.unwrap();
    assert!(found.unreadable.iter().any(|l| l.target.is_none()), "{:?}", found.unreadable);
    assert!(found.results.hits.iter().all(|h| h.level.target.is_some()));
    assert!(found.results.hits.iter().any(|h| h.key == "KEY_0002"));
    // A node whose levels hold more than the views may: refused; a small one opens.
    assert!(matches!(small.open_view(&env, None).await, Err(ClientError::TooLarge { .. })));
    // One key's history of the project level: its one version already holds more.
    let err = small.key_history(&NodePath::project("app"), "KEY_0001").await.unwrap_err();
    assert!(matches!(err, ClientError::TooLarge { .. }), "{err:?}");
    // The default limits build all three.
    let v = &e.vault;
    assert!(v.key_matrix("app").await.is_ok());
    assert!(v.search("key_000", Default::default()).await.unwrap().unreadable.is_empty());
    assert!(v.key_history(&NodePath::project("app"), "KEY_0001").await.is_ok());
    assert_eq!(VaultOptions::default().limits, MemoryLimits::default());
}
