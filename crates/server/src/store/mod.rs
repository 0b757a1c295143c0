//! Every SQL statement of the server, behind plain functions over a connection (the service never
//! writes SQL), one module per table. A PostgreSQL backend would reimplement this module.
//!
//! Every row type and function is re-exported here (`store::insert_key`).
//!
//! Rows are read by column name (`row.get("ulid")`), so a column added to a `SELECT` cannot shift the
//! others; every column a row reads is named (`AS` for expressions and qualified columns, whose names
//! SQLite leaves unspecified). A single value (`COUNT(*)`) is read as column 0.

use r2d2_sqlite::rusqlite;

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

#[cfg(test)]
mod tests {
    use super::*;

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
            managed: "client".into(),
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
            action: "store".into(),
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
