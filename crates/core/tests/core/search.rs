//! The search index: levels added, replaced and removed; names always, comments and values on request;
//! group order; the cap; nothing secret in `Debug` or in a hit.

use envdesk_core::search::{LevelId, SearchIndex, SearchOptions, MAX_HITS};

const SECRET: &str = "s3cret-Needle-value";

fn index() -> SearchIndex {
    let mut ix = SearchIndex::new();
    ix.set_level(
        LevelId::environment("shop", "api", "prod"),
        &format!("# the main database\nDATABASE_URL=postgres://{SECRET}\nPORT=80 # http port\n"),
    );
    ix.set_level(LevelId::project("shop"), "APP_NAME=shop\nDATABASE_POOL=5\n");
    ix.set_level(LevelId::target("shop", "api"), "# @tags: infra\nREDIS_URL=redis://x\n");
    ix.set_level(LevelId::project("blog"), "DATABASE_URL=sqlite://blog\n");
    ix
}

fn keys(ix: &SearchIndex, q: &str, opts: SearchOptions) -> Vec<(String, String, u32)> {
    ix.query(q, opts, MAX_HITS)
        .hits
        .into_iter()
        .map(|h| {
            let path = [Some(h.level.project), h.level.target, h.level.environment]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("/");
            (path, h.key, h.line)
        })
        .collect()
}

#[test]
fn names_match_case_insensitively_in_group_order() {
    let ix = index();
    let got = keys(&ix, "database", SearchOptions::default());
    assert_eq!(
        got,
        vec![
            ("blog".into(), "DATABASE_URL".into(), 1),
            ("shop".into(), "DATABASE_POOL".into(), 2),
            ("shop/api/prod".into(), "DATABASE_URL".into(), 2),
        ]
    );
    assert_eq!(keys(&ix, "  _url ", SearchOptions::default()).len(), 3, "trimmed; substring");
    assert!(keys(&ix, "", SearchOptions::default()).is_empty());
    assert!(keys(&ix, "a\nb", SearchOptions::default()).is_empty());
    assert!(keys(&ix, &"a".repeat(201), SearchOptions::default()).is_empty());
}

#[test]
fn comments_only_when_asked_with_a_snippet() {
    let ix = index();
    assert!(keys(&ix, "main database", SearchOptions::default()).is_empty());
    let r = ix.query("MAIN database", SearchOptions { comments: true, values: false }, MAX_HITS);
    assert_eq!(r.hits.len(), 1);
    let h = &r.hits[0];
    assert_eq!((h.key.as_str(), h.line, h.in_comment, h.in_name), ("DATABASE_URL", 2, true, false));
    assert_eq!(h.comment.as_deref(), Some("the main database"));
    let inline = ix.query("http port", SearchOptions { comments: true, values: false }, MAX_HITS);
    assert_eq!(inline.hits[0].key, "PORT");
    let tags = ix.query("infra", SearchOptions { comments: true, values: false }, MAX_HITS);
    assert_eq!(tags.hits[0].key, "REDIS_URL");
}

#[test]
fn values_only_when_asked_and_never_returned() {
    let ix = index();
    assert!(keys(&ix, "needle", SearchOptions { comments: true, values: false }).is_empty());
    let r = ix.query("NEEDLE", SearchOptions { comments: false, values: true }, MAX_HITS);
    assert_eq!(r.hits.len(), 1);
    assert!(r.hits[0].in_value && !r.hits[0].in_name);
    let shown = format!("{r:?} {ix:?} {}", serde_json::to_string(&r).unwrap());
    assert!(!shown.to_lowercase().contains("needle"), "{shown}");
}

#[test]
fn replace_and_remove_levels() {
    let mut ix = index();
    let prod = LevelId::environment("shop", "api", "prod");
    ix.set_level(prod.clone(), "NEW_KEY=1\n\nDATABASE_URL=x\n");
    let got = keys(&ix, "database_url", SearchOptions::default());
    assert_eq!(got[1], ("shop/api/prod".into(), "DATABASE_URL".into(), 3));
    assert_eq!(keys(&ix, "new_key", SearchOptions::default()).len(), 1);
    assert!(ix.is_current(&prod, "NEW_KEY=1\n\nDATABASE_URL=x\n") && !ix.is_current(&prod, "NEW_KEY=2\n"));
    ix.remove_level(&prod);
    assert!(keys(&ix, "new_key", SearchOptions::default()).is_empty());
    ix.remove_project("shop");
    assert_eq!(keys(&ix, "database", SearchOptions::default()), vec![("blog".into(), "DATABASE_URL".into(), 1)]);
    ix.clear();
    assert_eq!((ix.levels(), ix.rows()), (0, 0));
}

#[test]
fn cap_and_total() {
    let mut ix = SearchIndex::new();
    let text: String = (0..500).map(|i| format!("KEY_{i}=v\n")).collect();
    ix.set_level(LevelId::project("p"), &text);
    let r = ix.query("key", SearchOptions::default(), MAX_HITS);
    assert_eq!((r.hits.len(), r.total), (MAX_HITS, 500));
    assert_eq!(r.hits[199].line, 200);
    // One row matched once, however often the needle occurs in it; unparsable text indexes nothing.
    ix.set_level(LevelId::project("q"), "AAAA=1\n");
    assert_eq!(ix.query("a", SearchOptions::default(), MAX_HITS).total, 1);
    ix.set_level(LevelId::project("q"), "A='unterminated\n");
    assert_eq!(ix.query("a", SearchOptions::default(), MAX_HITS).total, 0);
}

#[test]
fn long_comment_snippet_shows_the_match() {
    let mut ix = SearchIndex::new();
    let comment = format!("# {} target word here {}", "x".repeat(150), "y".repeat(50));
    ix.set_level(LevelId::project("p"), &format!("{comment}\nK=1\n"));
    let h = &ix.query("target word", SearchOptions { comments: true, values: false }, MAX_HITS).hits[0];
    let s = h.comment.as_deref().unwrap();
    assert!(s.starts_with('…') && s.ends_with('…') && s.contains("target word"), "{s}");
    assert!(s.chars().count() <= 82);
}
