//! The key matrix of a project (issue 14), on both backends: every level read, no value in the
//! answer, one value on request, the locked project's columns, the presence CSV.

use envdesk_api::NodePath;
use envdesk_client::vault::NewProjectKey;
use envdesk_core::merge::LevelKind;

use crate::cases::save;
use crate::conformance;
use crate::harness::Env;

conformance!(key_matrix_of_a_project, key_matrix_of_a_locked_project);

async fn key_matrix_of_a_project(e: &Env) {
    let v = &e.vault;
    v.create_project("App", Some("app"), NewProjectKey::Generate).await.unwrap();
    v.create_target("app", "API", Some("api")).await.unwrap();
    v.create_target("app", "Worker", Some("worker")).await.unwrap();
    for env in ["dev", "prod"] {
        v.create_environment("app", "api", env, Some(env), None).await.unwrap();
    }
    save(v, &NodePath::project("app"), "DB=project-db\n").await;
    save(v, &NodePath::target("app", "api"), "PORT=8080\n").await;
    save(v, &NodePath::environment("app", "api", "dev"), "DB=dev-db\nDEBUG=1\n").await;
    save(v, &NodePath::environment("app", "api", "prod"), "# @absent: DEBUG\nDB=dev-db\n").await;
    save(v, &NodePath::target("app", "worker"), "QUEUE=q\n").await;

    let m = v.key_matrix("app").await.unwrap();
    assert!(!m.locked);
    let cols: Vec<(LevelKind, &str)> = m.columns.iter().map(|c| (c.kind, c.name.as_str())).collect();
    assert_eq!(
        cols,
        [
            (LevelKind::Project, "App"),
            (LevelKind::Target, "API"),
            (LevelKind::Environment, "dev"),
            (LevelKind::Environment, "prod"),
            (LevelKind::Target, "Worker"),
        ]
    );
    let rows: Vec<(&str, &str)> = m.rows.iter().map(|r| (r.key.as_str(), r.cells.as_str())).collect();
    assert_eq!(rows, [("DB", "S-P-S-S=P-"), ("PORT", ".-S-T-T=.-"), ("DEBUG", ".-.-S-A-.-"), ("QUEUE", ".-.-M-M-S-")]);
    let json = serde_json::to_string(&m).unwrap();
    for value in ["project-db", "dev-db", "8080"] {
        assert!(!json.contains(value), "no value in the matrix: {value}");
    }

    let prod = NodePath::environment("app", "api", "prod");
    assert_eq!(v.matrix_value(&prod, "PORT").await.unwrap().as_deref().map(String::as_str), Some("8080"));
    assert_eq!(
        v.matrix_value(&NodePath::target("app", "worker"), "DB").await.unwrap().as_deref().map(String::as_str),
        Some("project-db")
    );
    assert_eq!(v.matrix_value(&prod, "QUEUE").await.unwrap(), None);

    assert_eq!(
        m.csv(),
        "key,app,app/api,app/api/dev,app/api/prod,app/worker\r\n\
         DB,set,inherited from project,set,set,inherited from project\r\n\
         PORT,,set,inherited from target,inherited from target,\r\n\
         DEBUG,,,set,absent,\r\n\
         QUEUE,,,missing,missing,set\r\n"
    );
    // A project without targets: its own level alone.
    v.create_project("Solo", Some("solo"), NewProjectKey::ServerManaged).await.unwrap();
    v.unlock("solo").await.unwrap();
    save(v, &NodePath::project("solo"), "ONLY=1\n").await;
    let m = v.key_matrix("solo").await.unwrap();
    assert_eq!(m.columns.len(), 1);
    let rows: Vec<(&str, &str)> = m.rows.iter().map(|r| (r.key.as_str(), r.cells.as_str())).collect();
    assert_eq!(rows, [("ONLY", "S-")]);
}

async fn key_matrix_of_a_locked_project(e: &Env) {
    let v = &e.vault;
    v.create_project("App", Some("app"), NewProjectKey::Generate).await.unwrap();
    v.create_target("app", "API", Some("api")).await.unwrap();
    v.create_environment("app", "api", "Production", Some("prod"), None).await.unwrap();
    save(v, &NodePath::environment("app", "api", "prod"), "SECRET=1\n").await;
    v.lock("app");
    let m = v.key_matrix("app").await.unwrap();
    assert!(m.locked, "not unlocked by asking");
    assert!(!v.is_unlocked("app"));
    let names: Vec<&str> = m.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["App", "API", "Production"], "the names of its nodes");
    assert!(m.rows.is_empty(), "no keys while locked");
    assert!(v.matrix_value(&NodePath::environment("app", "api", "prod"), "SECRET").await.is_err());
}

/// The size: 30 environments of 2,000 keys in the local vault. Not a timed test: it prints how
/// long `key_matrix` takes (`cargo test --release -p envdesk-client --test client matrix_size -- --ignored
/// --nocapture`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn matrix_size_thirty_environments_of_two_thousand_keys() {
    let e = Env::new(crate::harness::Kind::Local).await;
    let v = &e.vault;
    v.create_project("Big", Some("big"), NewProjectKey::Generate).await.unwrap();
    v.create_target("big", "T", Some("t")).await.unwrap();
    let text: String = (0..2000).map(|i| format!("KEY_{i}=value-{i}\n")).collect();
    for i in 0..30 {
        let slug = format!("e{i}");
        v.create_environment("big", "t", &slug, Some(&slug), None).await.unwrap();
        save(v, &NodePath::environment("big", "t", &slug), &text).await;
    }
    for _ in 0..3 {
        let start = std::time::Instant::now();
        let m = v.key_matrix("big").await.unwrap();
        let json = serde_json::to_string(&m).unwrap();
        eprintln!("key_matrix 30 × 2,000 (local vault): {:?}, {} bytes of JSON", start.elapsed(), json.len());
        assert_eq!(m.rows.len(), 2000);
    }
}
