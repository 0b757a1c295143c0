//! Every SQL statement of the server, behind plain functions over a connection (the service never
//! writes SQL), one module per table. A PostgreSQL backend would reimplement this module.
//!
//! Every row type and function is re-exported here (`store::insert_key`).
//!
//! Rows are read by column name (`row.get("ulid")`), so a column added to a `SELECT` cannot shift the
//! others; every column a row reads is named (`AS` for expressions and qualified columns, whose names
//! SQLite leaves unspecified). A single value (`COUNT(*)`) is read as column 0.

use envdesk_api::StorageMode;
use r2d2_sqlite::rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use r2d2_sqlite::rusqlite::{self, Row};

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

type R<T> = rusqlite::Result<T>;
/// Result of a storage function.
pub type Q<T> = Result<T, crate::db::DbError>;

/// Who holds a project's key as `projects.storage_mode` and `project_keys.managed` store it:
/// `'server'` or `'client'` (the schema's `CHECK`). Written as `Mode(m)`; read with [`mode`]. (A
/// wrapper, because `StorageMode` is the wire crate's type and `FromSql` rusqlite's trait.)
#[derive(Clone, Copy)]
pub(crate) struct Mode(pub StorageMode);

impl ToSql for Mode {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.as_str()))
    }
}

impl FromSql for Mode {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Mode> {
        match v.as_str()? {
            "server" => Ok(Mode(StorageMode::Server)),
            "client" => Ok(Mode(StorageMode::Client)),
            _ => Err(FromSqlError::Other("a storage mode must be 'server' or 'client'".into())),
        }
    }
}

/// The [`StorageMode`] in `column` of `r`.
pub(crate) fn mode(r: &Row<'_>, column: &str) -> R<StorageMode> {
    Ok(r.get::<_, Mode>(column)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stored enums are written as the schema's strings and read back; an unknown string is an
    /// error, never a default.
    #[test]
    fn stored_enums_are_their_strings() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        for m in [StorageMode::Server, StorageMode::Client] {
            let text: String = c.query_row("SELECT ?1", [Mode(m)], |r| r.get(0)).unwrap();
            assert_eq!(text, m.as_str());
            assert_eq!(c.query_row("SELECT ?1", [&text], |r| r.get::<_, Mode>(0)).unwrap().0, m);
        }
        for a in [
            VersionAction::Create,
            VersionAction::Update,
            VersionAction::Delete,
            VersionAction::Restore,
            VersionAction::Rotate,
        ] {
            let text: String = c.query_row("SELECT ?1", [a], |r| r.get(0)).unwrap();
            assert_eq!(text, a.as_str());
            assert_eq!(c.query_row("SELECT ?1", [&text], |r| r.get::<_, VersionAction>(0)).unwrap(), a);
        }
        assert!(c.query_row("SELECT 'hybrid'", [], |r| r.get::<_, Mode>(0)).is_err());
        assert!(c.query_row("SELECT 'store'", [], |r| r.get::<_, VersionAction>(0)).is_err());
        assert!(c.query_row("SELECT 1", [], |r| r.get::<_, Mode>(0)).is_err());
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
