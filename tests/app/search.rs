//! `search` through the command list: the query is parsed at the boundary (bounded, one line, redacted
//! in `Debug`); hits come without values; a locked project is listed, not searched.

use envdesk_app::app::args::{SearchQuery, Slug};
use envdesk_app::app::core::LOCAL;
use envdesk_app::commands::{self as cmd, run};
use serde_json::json;

use super::{env, host, save, tree};

fn search(query: &str, values: bool) -> cmd::Search {
    cmd::Search { conn: LOCAL.into(), query: SearchQuery::parse(query).unwrap(), comments: true, values }
}

#[test]
fn the_query_is_bounded_and_redacted() {
    assert!(serde_json::from_value::<SearchQuery>(json!("a".repeat(200))).is_ok());
    assert!(serde_json::from_value::<SearchQuery>(json!("a".repeat(201))).is_err());
    assert!(serde_json::from_value::<SearchQuery>(json!("a\nb")).is_err());
    assert!(serde_json::from_value::<SearchQuery>(json!(5)).is_err());
    let q = SearchQuery::parse("hunter2").unwrap();
    assert!(!format!("{q:?}").contains("hunter2"));
    let req: cmd::Search =
        serde_json::from_value(json!({"conn": LOCAL, "query": "hunter2", "comments": false, "values": true})).unwrap();
    assert!(!format!("{req:?}").contains("hunter2"));
}

#[tokio::test]
async fn search_finds_keys_never_values_and_lists_locked_projects() {
    let (ctx, _dir, _) = host();
    tree(&ctx).await;
    save(&ctx, &env(), "# main db\nDATABASE_URL=postgres://hunter2@db\n", Some(0), "").await;
    let a = run::search(&ctx, search("database", false)).await.unwrap();
    assert_eq!(a.results.hits.len(), 1);
    assert_eq!((a.results.hits[0].key.as_str(), a.results.hits[0].line), ("DATABASE_URL", 2));
    let v = run::search(&ctx, search("hunter2", true)).await.unwrap();
    assert!(v.results.hits[0].in_value);
    assert!(!serde_json::to_string(&v).unwrap().contains("hunter2"));
    assert!(run::search(&ctx, search("hunter2", false)).await.unwrap().results.hits.is_empty());
    run::lock_project(&ctx, cmd::ProjectRef { conn: LOCAL.into(), project: Slug::parse("app").unwrap() })
        .await
        .unwrap();
    let a = run::search(&ctx, search("database", false)).await.unwrap();
    assert!(a.results.hits.is_empty());
    assert_eq!(a.locked[0].slug, "app");
    assert!(envdesk_app::COMMANDS.contains(&"search"));
}
