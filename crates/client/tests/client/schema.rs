//! The schema's dates across the vault (issue 16), on both backends: `@rotate-every` measured from the
//! version that set a key's value (its history), a rotation typed in the editor lifts the warning, the
//! expiry report behind the tree's badges (unlocked projects only, the warning window a setting), and
//! the key matrix's cells checked per environment.

use chrono::{Days, NaiveDate, Utc};
use envdesk_api::NodePath;
use envdesk_client::vault::NewProjectKey;
use envdesk_client::VaultOptions;
use envdesk_core::merge::LevelKind;
use envdesk_core::schema::{ProblemKind, ProblemSeverity};

use crate::cases::save;
use crate::conformance;
use crate::harness::Env;

conformance!(rotation_and_expiry_come_from_history_and_the_calendar);

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

async fn rotation_and_expiry_come_from_history_and_the_calendar(e: &Env) {
    let v = &e.vault;
    v.create_project("app", Some("app"), NewProjectKey::Generate).await.unwrap();
    v.unlock("app").await.unwrap();
    v.create_target("app", "api", Some("api")).await.unwrap();
    for env in ["prod", "staging"] {
        v.create_environment("app", "api", env, Some(env), None).await.unwrap();
    }
    // The versions are written today (the server's clock); the checks below run 40 days later.
    let written = Utc::now().date_naive();
    let later = written.checked_add_days(Days::new(40)).unwrap();
    let cert_expires = date(later.checked_add_days(Days::new(5)).unwrap());
    let project = format!(
        "# @rotate-every: 30d\nAPI_KEY=api-key-one\n# @rotate-every: 90d\nSLOW=s\n# @expires: {cert_expires}\nCERT=c\n# @required\nDB=\n"
    );
    save(v, &NodePath::project("app"), &project).await;
    let prod = NodePath::environment("app", "api", "prod");
    save(v, &prod, "DB=postgres://db/app\n").await;

    let later_vault = e.fresh_vault_with(VaultOptions { today: Some(later), ..crate::harness::opts() });
    later_vault.unlock("app").await.unwrap();
    let opened = later_vault.open_view(&prod, None).await.unwrap();
    let rows = later_vault.view_rows(opened.id, 0, 100, "", false).unwrap();
    let problems_of = |rows: &envdesk_client::vault::MergedWindow, key: &str| {
        rows.rows.iter().find(|r| r.key == key).unwrap().problems.clone()
    };
    let api = problems_of(&rows, "API_KEY");
    assert_eq!(api.len(), 1, "{api:?}");
    assert_eq!(api[0].severity, ProblemSeverity::Warning);
    assert_eq!(api[0].kind, ProblemKind::RotationDue { changed: date(written), every_days: 30 });
    assert_eq!(
        api[0].message,
        format!("`API_KEY` is due for rotation: it last changed on {}, and is rotated every 30 days", date(written))
    );
    assert!(problems_of(&rows, "SLOW").is_empty(), "90 days have not passed");
    let cert = problems_of(&rows, "CERT");
    assert_eq!(cert[0].kind, ProblemKind::ExpiresSoon { on: cert_expires.clone(), days: 5 });
    assert_eq!((rows.schema_errors, rows.schema_warnings), (0, 2));

    // Typing a new value at the level that sets it is the rotation: the live result drops the warning.
    let edited = project.replace("API_KEY=api-key-one", "API_KEY=api-key-two");
    later_vault.view_edit(opened.id, LevelKind::Project, Some(&edited), 1).unwrap();
    let live = later_vault.view_rows(opened.id, 0, 100, "", true).unwrap();
    assert!(problems_of(&live, "API_KEY").is_empty(), "{:?}", problems_of(&live, "API_KEY"));
    assert_eq!(live.schema_warnings, 1, "CERT still expires");

    // Today's vault: nothing is due yet.
    let now = e.vault.open_view(&prod, None).await.unwrap();
    assert_eq!(e.vault.view_rows(now.id, 0, 100, "", false).unwrap().schema_warnings, 0);

    // The expiry report (the tree's badges): the environments with keys expiring within the window.
    let report = later_vault.expiry_report().await.unwrap();
    assert_eq!(report.warn_days, 14);
    assert!(report.locked.is_empty());
    let alerts: Vec<(String, u32, u32)> =
        report.alerts.iter().map(|a| (a.path.display(), a.expired, a.expiring)).collect();
    assert_eq!(alerts, [("app/api/prod".to_owned(), 0, 1), ("app/api/staging".to_owned(), 0, 1)]);
    assert_eq!(report.alerts[0].first, cert_expires);
    assert_eq!(report.alerts[0].messages, [format!("`CERT` expires in 5 days ({cert_expires})")]);
    let (title, body) = report.summary().unwrap();
    assert_eq!(title, "2 keys expiring within 14 days");
    assert!(body.starts_with("app/api/prod: `CERT` expires in 5 days"), "{body}");
    // A narrower window: nothing to say.
    later_vault.set_expiry_warning_days(3);
    let quiet = later_vault.expiry_report().await.unwrap();
    assert!(quiet.alerts.is_empty() && quiet.summary().is_none(), "{quiet:?}");
    later_vault.set_expiry_warning_days(14);
    // Past the date: expired.
    let past = e.fresh_vault_with(VaultOptions {
        today: Some(later.checked_add_days(Days::new(6)).unwrap()),
        ..crate::harness::opts()
    });
    past.unlock("app").await.unwrap();
    let r = past.expiry_report().await.unwrap();
    assert_eq!(r.alerts.iter().map(|a| (a.expired, a.expiring)).collect::<Vec<_>>(), [(1, 0), (1, 0)]);
    assert_eq!(r.summary().unwrap().0, "2 keys expired");
    // A locked project is not read: listed.
    let locked = e.fresh_vault_with(VaultOptions { today: Some(later), ..crate::harness::opts() });
    let r = locked.expiry_report().await.unwrap();
    assert_eq!((r.alerts.len(), r.locked.as_slice()), (0, ["app".to_owned()].as_slice()));

    // The key matrix: each environment's cells checked. Staging inherits DB empty (required); both
    // environments' CERT expires soon; project and target columns are not checked.
    let m = later_vault.key_matrix("app").await.unwrap();
    let staging = m.columns.iter().position(|c| c.environment.as_deref() == Some("staging")).unwrap() as u32;
    let prod_col = m.columns.iter().position(|c| c.environment.as_deref() == Some("prod")).unwrap() as u32;
    let db = m.rows.iter().find(|r| r.key == "DB").unwrap();
    assert_eq!(db.problems.len(), 1, "{:?}", db.problems);
    assert_eq!((db.problems[0].column, db.problems[0].severity), (staging, ProblemSeverity::Error));
    let cert = m.rows.iter().find(|r| r.key == "CERT").unwrap();
    let cols: Vec<u32> = cert.problems.iter().map(|p| p.column).collect();
    assert_eq!(cols, [prod_col, staging]);
    assert_eq!((m.schema_errors, m.schema_warnings), (1, 2));
    let json = serde_json::to_string(&m).unwrap();
    assert!(!json.contains("postgres://db/app") && !json.contains("api-key-one"), "no value in the matrix");
}
