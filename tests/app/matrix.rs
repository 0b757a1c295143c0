//! The key matrix through the command list (issue 14): rows without values, one cell's value on
//! request with the key parsed at the boundary, a locked project's columns, and its CSV export refused.

use envdesk_api::NodePath;
use envdesk_app::app::args::Slug;
use envdesk_app::app::core::LOCAL;
use envdesk_app::app::error::Code;
use envdesk_app::commands::{self as cmd, run};
use serde_json::json;

use super::{env, host, ipc, save, tree};

fn project() -> cmd::ProjectRef {
    cmd::ProjectRef { conn: LOCAL.into(), project: Slug::parse("app").unwrap() }
}

#[tokio::test]
async fn the_matrix_names_keys_and_one_cell_gives_its_value() {
    let (ctx, _dir, _) = host();
    tree(&ctx).await;
    save(&ctx, &NodePath::project("app"), "SHARED=project-secret\n", Some(0), "").await;
    save(&ctx, &env(), "DB=hunter2\n", Some(0), "").await;

    let m = run::key_matrix(&ctx, project()).await.unwrap();
    assert!(!m.locked);
    let rows: Vec<(&str, &str)> = m.rows.iter().map(|r| (r.key.as_str(), r.cells.as_str())).collect();
    assert_eq!(rows, [("SHARED", "S-P-P-"), ("DB", ".-.-S-")]);
    let json = serde_json::to_string(&m).unwrap();
    assert!(!json.contains("hunter2") && !json.contains("project-secret"), "{json}");

    let cell = |key: &str| -> cmd::MatrixCell {
        serde_json::from_value(json!({"conn": LOCAL, "path": ipc(&env()), "name": key})).unwrap()
    };
    assert_eq!(run::matrix_cell_value(&ctx, cell("DB")).await.unwrap().as_deref(), Some("hunter2"));
    assert_eq!(run::matrix_cell_value(&ctx, cell("SHARED")).await.unwrap().as_deref(), Some("project-secret"));
    assert_eq!(run::matrix_cell_value(&ctx, cell("NOPE")).await.unwrap(), None);
    for bad in ["", "A=B", "A B", "A\nB"] {
        let r: Result<cmd::MatrixCell, _> =
            serde_json::from_value(json!({"conn": LOCAL, "path": ipc(&env()), "name": bad}));
        assert!(r.is_err(), "{bad:?} is refused at the boundary");
    }
}

#[tokio::test]
async fn a_locked_project_shows_its_nodes_and_exports_nothing() {
    let (ctx, _dir, _) = host();
    tree(&ctx).await;
    save(&ctx, &env(), "DB=hunter2\n", Some(0), "").await;
    run::lock_project(&ctx, project()).await.unwrap();
    let m = run::key_matrix(&ctx, project()).await.unwrap();
    assert!(m.locked && m.rows.is_empty());
    let names: Vec<&str> = m.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["app", "backend", "production"]);
    // Refused before any dialog opens.
    assert_eq!(run::export_matrix_csv(&ctx, project()).await.unwrap_err().code, Code::Locked);
}
