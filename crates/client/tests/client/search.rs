//! Search everywhere, on both backends: a key found in a second project, a save that updates the
//! results, a lock that drops the project's rows (it is listed as locked), values only when asked.

use envdesk_api::NodePath;
use envdesk_client::vault::NewProjectKey;
use envdesk_core::search::SearchOptions;

use crate::cases::{client_tree, env_path, save};
use crate::conformance;
use crate::harness::Env;

conformance!(search_everywhere);

fn found(a: &envdesk_client::vault::SearchAnswer) -> Vec<String> {
    a.results
        .hits
        .iter()
        .map(|h| {
            let l = &h.level;
            let path = [Some(l.project.clone()), l.target.clone(), l.environment.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("/");
            format!("{path}:{}:{}", h.line, h.key)
        })
        .collect()
}

async fn search_everywhere(e: &Env) {
    let v = &e.vault;
    client_tree(v).await;
    save(v, &NodePath::project("app"), "APP=1\n").await;
    save(v, &env_path(), "# the primary database\nDATABASE_URL=postgres://needle-secret@db\n").await;
    // A second project, server-managed, with a key of the same name.
    v.create_project("shop", None, NewProjectKey::ServerManaged).await.unwrap();
    v.create_target("shop", "web", None).await.unwrap();
    v.unlock("shop").await.unwrap();
    save(v, &NodePath::target("shop", "web"), "X=1\nDATABASE_URL=mysql://shop\n").await;

    let names = SearchOptions::default();
    let a = v.search("database", names).await.unwrap();
    assert_eq!(found(&a), vec!["app/backend/production:2:DATABASE_URL", "shop/web:2:DATABASE_URL"]);
    assert!(a.locked.is_empty() && a.unreadable.is_empty());
    let shown: Vec<(Option<&str>, Option<&str>, &str)> =
        a.names.iter().map(|n| (n.level.target.as_deref(), n.level.environment.as_deref(), n.name.as_str())).collect();
    assert!(shown.contains(&(Some("backend"), Some("production"), "production")), "{shown:?}");
    assert!(shown.contains(&(None, None, "shop")) && shown.contains(&(Some("web"), None, "web")), "{shown:?}");
    assert_eq!(a.results.total, 2);

    // Comments and values only when asked; a hit never carries the value.
    assert!(found(&v.search("primary", names).await.unwrap()).is_empty());
    let c = v.search("PRIMARY", SearchOptions { comments: true, values: false }).await.unwrap();
    assert_eq!(c.results.hits[0].comment.as_deref(), Some("the primary database"));
    assert!(found(&v.search("needle", SearchOptions { comments: true, values: false }).await.unwrap()).is_empty());
    let val = v.search("needle", SearchOptions { comments: false, values: true }).await.unwrap();
    assert_eq!(found(&val), vec!["app/backend/production:2:DATABASE_URL"]);
    assert!(val.results.hits[0].in_value);
    let json = serde_json::to_string(&val).unwrap();
    assert!(!json.contains("needle") && !format!("{val:?} {v:?}").contains("needle"), "{json}");

    // A save updates the results.
    save(v, &NodePath::target("shop", "web"), "X=1\n\n\nDATABASE_URL=mysql://shop\nDATABASE_POOL=4\n").await;
    let a = v.search("database", names).await.unwrap();
    assert_eq!(
        found(&a),
        vec!["app/backend/production:2:DATABASE_URL", "shop/web:4:DATABASE_URL", "shop/web:5:DATABASE_POOL"]
    );

    // A change made elsewhere shows once the node is read.
    let other = e.other();
    other.unlock("shop").await.unwrap();
    save(&other, &NodePath::target("shop", "web"), "RENAMED_DB=1\n").await;
    v.read_node(&NodePath::target("shop", "web")).await.unwrap();
    assert_eq!(found(&v.search("database", names).await.unwrap()), vec!["app/backend/production:2:DATABASE_URL"]);

    // A lock drops the project's rows: it is listed as locked, and its keys are not found.
    v.lock("app");
    let a = v.search("database", names).await.unwrap();
    assert!(found(&a).is_empty());
    assert_eq!(a.locked.iter().map(|p| p.slug.as_str()).collect::<Vec<_>>(), vec!["app"]);
    v.lock_all();
    let a = v.search("renamed", names).await.unwrap();
    assert!(found(&a).is_empty());
    assert_eq!(a.locked.len(), 2);
    // Unlocked again, the project is indexed again on the next search.
    v.unlock("shop").await.unwrap();
    assert_eq!(found(&v.search("renamed", names).await.unwrap()), vec!["shop/web:1:RENAMED_DB"]);
    // Deleting a node forgets its rows.
    v.delete_node(&NodePath::target("shop", "web")).await.unwrap();
    assert!(found(&v.search("renamed", names).await.unwrap()).is_empty());
    // A project deleted by another client is forgotten at the next search: its rows are not found.
    save(v, &NodePath::project("shop"), "SHOP_KEY=1\n").await;
    assert_eq!(found(&v.search("shop_key", names).await.unwrap()), vec!["shop:1:SHOP_KEY"]);
    e.other().delete_node(&NodePath::project("shop")).await.unwrap();
    let a = v.search("shop_key", names).await.unwrap();
    assert!(found(&a).is_empty() && a.results.total == 0, "{:?}", found(&a));
}
