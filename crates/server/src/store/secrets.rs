//! `secrets`: one row per level ever written, and where a level sits.

use r2d2_sqlite::rusqlite::{self, params, Connection, OptionalExtension, Row};

use super::{env_by_id, Q, R};

/// `Debug` leaves out hashes, wrapped keys, proofs and blobs.
#[derive(Clone)]
pub struct SecretRow {
    pub id: i64,
    pub ulid: String,
    pub node: String,
    pub content: Option<String>,
    pub key_version: i64,
    pub revision: i64,
    pub updated_at: String,
}

const SECRET_COLS: &str = "id, ulid, node, content, key_version, revision, updated_at";

fn secret(r: &Row<'_>) -> R<SecretRow> {
    Ok(SecretRow {
        id: r.get("id")?,
        ulid: r.get("ulid")?,
        node: r.get("node")?,
        content: r.get("content")?,
        key_version: r.get("key_version")?,
        revision: r.get("revision")?,
        updated_at: r.get("updated_at")?,
    })
}

pub fn secret_by_node(c: &Connection, node: &str) -> Q<Option<SecretRow>> {
    Ok(c.prepare_cached(&format!("SELECT {SECRET_COLS} FROM secrets WHERE node = ?1"))?
        .query_row([node], secret)
        .optional()?)
}

pub fn secrets_of_project(c: &Connection, project: i64) -> Q<Vec<SecretRow>> {
    let mut st = c.prepare_cached(&format!("SELECT {SECRET_COLS} FROM secrets WHERE project_id = ?1 ORDER BY id"))?;
    let rows = st.query_map([project], secret)?;
    Ok(rows.collect::<R<Vec<_>>>()?)
}

/// Where a level sits: its node key and the ids of its project, target and environment.
#[derive(Clone, Debug)]
pub struct NodeIds {
    pub node: String,
    pub project: i64,
    pub target: Option<i64>,
    pub environment: Option<i64>,
}

/// The ids of the level a node key (`p<id>`, `t<id>`, `e<id>`) of `project` names.
pub fn node_ids(c: &Connection, node: &str, project: i64) -> Q<NodeIds> {
    let (kind, id) = node.split_at(1);
    let id: i64 = id.parse().map_err(|_| rusqlite::Error::InvalidQuery)?;
    Ok(match kind {
        "p" => NodeIds { node: node.to_owned(), project, target: None, environment: None },
        "t" => NodeIds { node: node.to_owned(), project, target: Some(id), environment: None },
        _ => {
            let e = env_by_id(c, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            NodeIds { node: node.to_owned(), project, target: Some(e.target_id), environment: Some(id) }
        }
    })
}

pub fn insert_secret(
    c: &Connection,
    ulid: &str,
    n: &NodeIds,
    content: Option<&str>,
    key_version: i64,
    now: &str,
) -> Q<i64> {
    c.prepare_cached("INSERT INTO secrets (ulid, node, project_id, target_id, environment_id, content, key_version, revision, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8)")?.execute(params![ulid, n.node, n.project, n.target, n.environment, content, key_version, now])?;
    Ok(c.last_insert_rowid())
}

pub fn update_secret(c: &Connection, id: i64, content: Option<&str>, key_version: i64, now: &str) -> Q<i64> {
    Ok(c.prepare_cached("UPDATE secrets SET content = ?2, key_version = ?3, revision = revision + 1, updated_at = ?4 WHERE id = ?1 RETURNING revision")?.query_row(params![id, content, key_version, now], |r| r.get("revision"))?)
}

pub fn delete_secret_row(c: &Connection, id: i64) -> Q<()> {
    c.prepare_cached("DELETE FROM secrets WHERE id = ?1")?.execute([id])?;
    Ok(())
}

impl std::fmt::Debug for SecretRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretRow")
            .field("id", &self.id)
            .field("ulid", &self.ulid)
            .field("node", &self.node)
            .field("key_version", &self.key_version)
            .field("revision", &self.revision)
            .field("updated_at", &self.updated_at)
            .finish_non_exhaustive()
    }
}
