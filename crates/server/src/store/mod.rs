//! Every SQL statement of the server, behind plain functions over a connection (the service never
//! writes SQL), one module per table. A PostgreSQL backend would reimplement this module.
//!
//! Every row type and function is re-exported here (`store::insert_key`).
//!
//! Rows are read by column name (`row.get("ulid")`), so a column added to a `SELECT` cannot shift the
//! others; every column a row reads is named (`AS` for expressions and qualified columns, whose names
//! SQLite leaves unspecified). A single value (`COUNT(*)`) is read as column 0.

use envdesk_api::StorageMode;

use crate::db::{Column, DbError, Row, ToV, V};

mod keys;
mod nodes;
mod orgs;
mod secrets;
mod tokens;
mod versions;

pub use keys::*;
pub use nodes::*;
pub use orgs::*;
pub use secrets::*;
pub use tokens::*;
pub use versions::*;

/// Result of a storage function.
pub type Q<T> = Result<T, crate::db::DbError>;

/// Who holds a project's key as `projects.storage_mode` and `project_keys.managed` store it:
/// `'server'` or `'client'` (the schema's `CHECK`). Written as `Mode(m)`; read with [`mode`]. (A
/// wrapper, because `StorageMode` is the wire crate's type and `Column` this crate's trait.)
#[derive(Clone, Copy)]
pub(crate) struct Mode(pub StorageMode);

impl ToV for Mode {
    fn v(&self) -> V<'_> {
        V::Text(self.0.as_str())
    }
}

impl Mode {
    fn parse(s: &str) -> Q<Mode> {
        match s {
            "server" => Ok(Mode(StorageMode::Server)),
            "client" => Ok(Mode(StorageMode::Client)),
            _ => Err(DbError::Invalid("a storage mode must be 'server' or 'client'")),
        }
    }
}

/// Read as its string; an unknown string is an error, never a default.
impl Column for Mode {
    fn sqlite(r: &r2d2_sqlite::rusqlite::Row<'_>, name: &str) -> Q<Self> {
        Mode::parse(&String::sqlite(r, name)?)
    }
    fn pg(r: &tokio_postgres::Row, name: &str) -> Q<Self> {
        Mode::parse(&String::pg(r, name)?)
    }
}

/// The [`StorageMode`] in `column` of `r`.
pub(crate) fn mode(r: &Row<'_>, column: &str) -> Q<StorageMode> {
    Ok(r.get::<Mode>(column)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stored enums are written as the schema's strings and read back; an unknown string is an
    /// error, never a default.
    #[test]
    fn stored_enums_are_their_strings() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(&dir.path().join("t.db"), crate::db::Synchronous::Normal).unwrap();
        db.read(|c| {
            for m in [StorageMode::Server, StorageMode::Client] {
                let text: String = c.query_one("SELECT ?1 AS v", crate::params![Mode(m)], |r| r.get("v"))?;
                assert_eq!(text, m.as_str());
                assert_eq!(c.query_one("SELECT ?1 AS v", crate::params![text], |r| r.get::<Mode>("v"))?.0, m);
            }
            for a in [
                VersionAction::Create,
                VersionAction::Update,
                VersionAction::Delete,
                VersionAction::Restore,
                VersionAction::Rotate,
            ] {
                let text: String = c.query_one("SELECT ?1 AS v", crate::params![a], |r| r.get("v"))?;
                assert_eq!(text, a.as_str());
                assert_eq!(c.query_one("SELECT ?1 AS v", crate::params![text], |r| r.get::<VersionAction>("v"))?, a);
            }
            assert!(c.query_one("SELECT 'hybrid' AS v", &[], |r| r.get::<Mode>("v")).is_err());
            assert!(c.query_one("SELECT 'store' AS v", &[], |r| r.get::<VersionAction>("v")).is_err());
            assert!(c.query_one("SELECT 1 AS v", &[], |r| r.get::<Mode>("v")).is_err());
            Ok::<_, DbError>(())
        })
        .unwrap();
    }

    /// Rows print no token hash, wrapped key, proof, salt or blob.
    #[test]
    fn debug_of_rows_leaves_out_secret_material() {
        let m = "MARKER".to_string();
        let t = TokenRow {
            id: 1,
            organization_id: 1,
            name: "ci".into(),
            token_hash: m.as_bytes().to_vec(),
            abilities: "*".into(),
            created_at: String::new(),
            last_used_at: None,
            revoked_at: None,
        };
        let k = KeyRow {
            id: 1,
            project_id: 1,
            version: 1,
            managed: envdesk_api::StorageMode::Client,
            wrapped_key: Some(m.clone()),
            key_check: Some(m.clone()),
            key_check_salt: Some(m.clone()),
            key_check_iterations: Some(1000),
            is_active: true,
            created_at: String::new(),
            rotated_at: None,
        };
        let s = SecretRow {
            id: 1,
            ulid: "u".into(),
            node: "n".into(),
            content: Some(m.clone()),
            key_version: 1,
            revision: 1,
            updated_at: String::new(),
        };
        let v = VersionRow {
            id: 1,
            node: "n".into(),
            project_id: 1,
            action: VersionAction::Update,
            content: Some(m.clone()),
            size_bytes: 1,
            key_version: 1,
            is_client: true,
            revision: 1,
            created_at: String::new(),
            created_by_id: None,
            created_by_name: None,
        };
        for text in [format!("{t:?}"), format!("{k:?}"), format!("{s:?}"), format!("{v:?}")] {
            assert!(!text.contains("MARKER") && !text.contains("77, 65, 82"), "{text}");
            assert!(text.contains("id: 1"), "{text}");
        }
    }
}
