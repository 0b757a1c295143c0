//! docs/deploy.md's PostgreSQL backup, tested: `pg_dump` of a database with history, `pg_restore`
//! into a new database, served: every read answers as before, and the audit chain verifies. Runs in
//! the suite's PostgreSQL pass.

use envdesk_server::db::DbTarget;
use envdesk_server::{audit, Db, MasterKey, Service};

use super::migrate::{everything, write_history};
use super::support::*;

fn pg_tool(name: &str) -> std::path::PathBuf {
    let mut dirs: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's programs (Debian's postgresql package)")
        .filter_map(|d| d.ok().map(|d| d.path().join("bin").join(name)))
        .filter(|p| p.exists())
        .collect();
    dirs.sort();
    dirs.pop().unwrap_or_else(|| panic!("no {name}"))
}

fn connect(url: &str) -> Db {
    let DbTarget::Postgres(config) = url.parse::<DbTarget>().unwrap() else { panic!("not PostgreSQL") };
    Db::connect(&config, 4).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pg_dump_restores_into_a_new_database() {
    let Some(url) = std::env::var(POSTGRES_ENV).ok().filter(|u| !u.is_empty()) else {
        eprintln!("skipped ({POSTGRES_ENV} is not set)");
        return;
    };
    let (source_url, schema) = postgres_schema_named(&url).await;
    let source = connect(&source_url);
    let (_, master_b64) = MasterKey::generate();
    let master = || MasterKey::from_base64(&master_b64).unwrap();
    let setup = Service::new(source.clone(), Some(master()), config());
    let org = setup.create_organization("Acme").unwrap().id;
    let token = setup.create_token_for(&org, "admin", &["*".into()]).unwrap().token.to_string();
    let s = TestServer::start_on(source.clone(), master(), org.clone(), token.clone()).await;
    write_history(&s).await;
    let before = everything(&s).await;
    s.service.audit_flush();
    let chain = audit::verify(&source).unwrap();
    assert!(chain.entries > 10 && chain.first_break.is_none());

    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("envdesk.dump");
    let out = std::process::Command::new(pg_tool("pg_dump"))
        .args(["--format=custom", "--schema", &schema, "--file"])
        .arg(&dump)
        .arg(&url)
        .output()
        .unwrap();
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    s.stop().await;

    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let restored_db = format!("restored_{schema}");
    client.batch_execute(&format!("CREATE DATABASE {restored_db}")).await.unwrap();
    let base = url.rsplit_once('/').unwrap().0;
    let restored_url = format!("{base}/{restored_db}");
    let out = std::process::Command::new(pg_tool("pg_restore"))
        .args(["--no-owner", "--dbname", &restored_url])
        .arg(&dump)
        .output()
        .unwrap();
    assert!(out.status.success(), "pg_restore: {}", String::from_utf8_lossy(&out.stderr));

    let restored = connect(&with_search_path(&restored_url, &schema));
    let r = TestServer::start_on(restored.clone(), master(), org, token).await;
    let after = everything(&r).await;
    assert_eq!(after.len(), before.len());
    for (i, (a, b)) in after.iter().zip(&before).enumerate() {
        assert_eq!(a, b, "answer {i} differs after the restore");
    }
    r.service.audit_flush();
    let restored_chain = audit::verify(&restored).unwrap();
    assert_eq!(restored_chain.first_break, None);
    assert!(restored_chain.entries >= chain.entries, "every entry came back");
    r.stop().await;
}
