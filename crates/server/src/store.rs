//! Every SQL statement of the server, behind plain functions over a connection (the service never
//! writes SQL). A PostgreSQL backend would reimplement this module.

use r2d2_sqlite::rusqlite::{self, params, Connection, OptionalExtension, Row};

type R<T> = rusqlite::Result<T>;
/// Result of a storage function.
pub type Q<T> = Result<T, crate::db::DbError>;

#[derive(Clone, Debug)]
pub struct OrgRow {
    pub id: i64,
    pub ulid: String,
    pub name: String,
    pub slug: String,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

fn org(r: &Row<'_>) -> R<OrgRow> {
    Ok(OrgRow {
        id: r.get(0)?,
        ulid: r.get(1)?,
        name: r.get(2)?,
        slug: r.get(3)?,
        status: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

const ORG_COLS: &str = "id, ulid, name, slug, status, created_at, updated_at";

pub fn insert_org(c: &Connection, ulid: &str, name: &str, slug: &str, now: &str) -> Q<i64> {
    c.prepare_cached("INSERT INTO organizations (ulid, name, slug, status, created_at, updated_at) VALUES (?1, ?2, ?3, 'active', ?4, ?4)")?.execute(params![ulid, name, slug, now])?;
    Ok(c.last_insert_rowid())
}

pub fn org_by_id(c: &Connection, id: i64) -> Q<Option<OrgRow>> {
    Ok(c.prepare_cached(&format!("SELECT {ORG_COLS} FROM organizations WHERE id = ?1"))?
        .query_row([id], org)
        .optional()?)
}

pub fn orgs(c: &Connection) -> Q<Vec<OrgRow>> {
    let mut st = c.prepare_cached(&format!("SELECT {ORG_COLS} FROM organizations ORDER BY id"))?;
    let rows = st.query_map([], org)?;
    Ok(rows.collect::<R<Vec<_>>>()?)
}

pub fn update_org_name(c: &Connection, id: i64, name: &str, now: &str) -> Q<()> {
    c.prepare_cached("UPDATE organizations SET name = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, name, now])?;
    Ok(())
}

/// `Debug` leaves out hashes, wrapped keys, proofs and blobs.
#[derive(Clone)]
pub struct TokenRow {
    pub id: i64,
    pub organization_id: i64,
    pub name: String,
    pub token_hash: Vec<u8>,
    pub abilities: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

const TOKEN_COLS: &str = "id, organization_id, name, token_hash, abilities, created_at, last_used_at, revoked_at";

fn token(r: &Row<'_>) -> R<TokenRow> {
    Ok(TokenRow {
        id: r.get(0)?,
        organization_id: r.get(1)?,
        name: r.get(2)?,
        token_hash: r.get(3)?,
        abilities: r.get(4)?,
        created_at: r.get(5)?,
        last_used_at: r.get(6)?,
        revoked_at: r.get(7)?,
    })
}

pub fn insert_token(c: &Connection, org: i64, name: &str, hash: &[u8], abilities: &str, now: &str) -> Q<i64> {
    c.prepare_cached(
        "INSERT INTO api_tokens (organization_id, name, token_hash, abilities, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![org, name, hash, abilities, now])?;
    Ok(c.last_insert_rowid())
}

pub fn token_by_hash(c: &Connection, hash: &[u8]) -> Q<Option<TokenRow>> {
    Ok(c.prepare_cached(&format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE token_hash = ?1"))?
        .query_row([hash], token)
        .optional()?)
}

pub fn tokens(c: &Connection, org: Option<i64>) -> Q<Vec<TokenRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {TOKEN_COLS} FROM api_tokens WHERE ?1 IS NULL OR organization_id = ?1 ORDER BY id"
    ))?;
    let rows = st.query_map([org], token)?;
    Ok(rows.collect::<R<Vec<_>>>()?)
}

pub fn revoke_token(c: &Connection, id: i64, org: Option<i64>, now: &str) -> Q<usize> {
    Ok(c.prepare_cached("UPDATE api_tokens SET revoked_at = ?3 WHERE id = ?1 AND (?2 IS NULL OR organization_id = ?2) AND revoked_at IS NULL")?.execute(params![id, org, now])?)
}

pub fn touch_token(c: &Connection, id: i64, now: &str) -> Q<()> {
    c.prepare_cached("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1")?.execute(params![id, now])?;
    Ok(())
}

#[derive(Clone, Debug)]
pub struct ProjectRow {
    pub id: i64,
    pub ulid: String,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub secret_format: String,
    pub storage_mode: String,
    pub created_at: String,
    pub updated_at: String,
    pub target_count: i64,
    pub environment_count: i64,
    pub has_secrets: bool,
}

const PROJECT_SELECT: &str = "SELECT p.id, p.ulid, p.name, p.slug, p.description, p.secret_format, p.storage_mode,
  p.created_at, p.updated_at,
  (SELECT COUNT(*) FROM targets t WHERE t.project_id = p.id),
  (SELECT COUNT(*) FROM environments e JOIN targets t ON e.target_id = t.id WHERE t.project_id = p.id),
  EXISTS (SELECT 1 FROM secrets s WHERE s.project_id = p.id AND s.content IS NOT NULL)
  FROM projects p";

fn project(r: &Row<'_>) -> R<ProjectRow> {
    Ok(ProjectRow {
        id: r.get(0)?,
        ulid: r.get(1)?,
        name: r.get(2)?,
        slug: r.get(3)?,
        description: r.get(4)?,
        secret_format: r.get(5)?,
        storage_mode: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        target_count: r.get(9)?,
        environment_count: r.get(10)?,
        has_secrets: r.get(11)?,
    })
}

pub struct NewProject<'a> {
    pub ulid: &'a str,
    pub name: &'a str,
    pub slug: &'a str,
    pub description: Option<&'a str>,
    pub secret_format: &'a str,
    pub storage_mode: &'a str,
}

pub fn insert_project(c: &Connection, org: i64, p: &NewProject<'_>, now: &str) -> Q<i64> {
    c.prepare_cached("INSERT INTO projects (ulid, organization_id, name, slug, description, secret_format, storage_mode, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)")?.execute(params![p.ulid, org, p.name, p.slug, p.description, p.secret_format, p.storage_mode, now])?;
    Ok(c.last_insert_rowid())
}

pub fn project_by_slug(c: &Connection, org: i64, slug: &str) -> Q<Option<ProjectRow>> {
    Ok(c.prepare_cached(&format!("{PROJECT_SELECT} WHERE p.organization_id = ?1 AND p.slug = ?2"))?
        .query_row(params![org, slug], project)
        .optional()?)
}

pub fn project_by_id(c: &Connection, id: i64) -> Q<Option<ProjectRow>> {
    Ok(c.prepare_cached(&format!("{PROJECT_SELECT} WHERE p.id = ?1"))?.query_row([id], project).optional()?)
}

pub fn projects(c: &Connection, org: i64, limit: u32, offset: u64) -> Q<(Vec<ProjectRow>, u64)> {
    let total: i64 =
        c.prepare_cached("SELECT COUNT(*) FROM projects WHERE organization_id = ?1")?.query_row([org], |r| r.get(0))?;
    let mut st = c.prepare_cached(&format!(
        "{PROJECT_SELECT} WHERE p.organization_id = ?1 ORDER BY p.name, p.id LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = st.query_map(params![org, limit, offset as i64], project)?.collect::<R<Vec<_>>>()?;
    Ok((rows, total as u64))
}

/// Updates name, slug and description of a project, target or environment row.
pub fn update_node(
    c: &Connection,
    table: Table,
    id: i64,
    name: &str,
    slug: &str,
    description: Option<&str>,
    now: &str,
) -> Q<()> {
    c.prepare_cached(&format!(
        "UPDATE {} SET name = ?2, slug = ?3, description = ?4, updated_at = ?5 WHERE id = ?1",
        table.name()
    ))?
    .execute(params![id, name, slug, description, now])?;
    Ok(())
}

pub fn delete_node(c: &Connection, table: Table, id: i64) -> Q<()> {
    c.prepare_cached(&format!("DELETE FROM {} WHERE id = ?1", table.name()))?.execute([id])?;
    Ok(())
}

#[derive(Clone, Copy)]
pub enum Table {
    Projects,
    Targets,
    Environments,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Projects => "projects",
            Table::Targets => "targets",
            Table::Environments => "environments",
        }
    }
}

#[derive(Clone, Debug)]
pub struct TargetRow {
    pub id: i64,
    pub ulid: String,
    pub project_id: i64,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub environment_count: i64,
}

const TARGET_SELECT: &str =
    "SELECT t.id, t.ulid, t.project_id, t.name, t.slug, t.description, t.created_at, t.updated_at,
  (SELECT COUNT(*) FROM environments e WHERE e.target_id = t.id) FROM targets t";

fn target(r: &Row<'_>) -> R<TargetRow> {
    Ok(TargetRow {
        id: r.get(0)?,
        ulid: r.get(1)?,
        project_id: r.get(2)?,
        name: r.get(3)?,
        slug: r.get(4)?,
        description: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        environment_count: r.get(8)?,
    })
}

pub fn insert_target(
    c: &Connection,
    project: i64,
    ulid: &str,
    name: &str,
    slug: &str,
    description: Option<&str>,
    now: &str,
) -> Q<i64> {
    c.prepare_cached("INSERT INTO targets (ulid, project_id, name, slug, description, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)")?.execute(params![ulid, project, name, slug, description, now])?;
    Ok(c.last_insert_rowid())
}

pub fn target_by_slug(c: &Connection, project: i64, slug: &str) -> Q<Option<TargetRow>> {
    Ok(c.prepare_cached(&format!("{TARGET_SELECT} WHERE t.project_id = ?1 AND t.slug = ?2"))?
        .query_row(params![project, slug], target)
        .optional()?)
}

pub fn target_by_id(c: &Connection, id: i64) -> Q<Option<TargetRow>> {
    Ok(c.prepare_cached(&format!("{TARGET_SELECT} WHERE t.id = ?1"))?.query_row([id], target).optional()?)
}

pub fn targets(c: &Connection, project: i64, limit: u32, offset: u64) -> Q<(Vec<TargetRow>, u64)> {
    let total: i64 =
        c.prepare_cached("SELECT COUNT(*) FROM targets WHERE project_id = ?1")?.query_row([project], |r| r.get(0))?;
    let mut st =
        c.prepare_cached(&format!("{TARGET_SELECT} WHERE t.project_id = ?1 ORDER BY t.name, t.id LIMIT ?2 OFFSET ?3"))?;
    let rows = st.query_map(params![project, limit, offset as i64], target)?.collect::<R<Vec<_>>>()?;
    Ok((rows, total as u64))
}

#[derive(Clone, Debug)]
pub struct EnvRow {
    pub id: i64,
    pub ulid: String,
    pub target_id: i64,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub status: String,
    pub is_production: bool,
    pub created_at: String,
    pub updated_at: String,
}

const ENV_COLS: &str = "id, ulid, target_id, name, slug, description, status, is_production, created_at, updated_at";

fn env(r: &Row<'_>) -> R<EnvRow> {
    Ok(EnvRow {
        id: r.get(0)?,
        ulid: r.get(1)?,
        target_id: r.get(2)?,
        name: r.get(3)?,
        slug: r.get(4)?,
        description: r.get(5)?,
        status: r.get(6)?,
        is_production: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

pub struct NewEnv<'a> {
    pub ulid: &'a str,
    pub name: &'a str,
    pub slug: &'a str,
    pub description: Option<&'a str>,
    pub status: &'a str,
    pub is_production: bool,
}

pub fn insert_env(c: &Connection, target: i64, e: &NewEnv<'_>, now: &str) -> Q<i64> {
    c.prepare_cached("INSERT INTO environments (ulid, target_id, name, slug, description, status, is_production, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)")?.execute(params![e.ulid, target, e.name, e.slug, e.description, e.status, e.is_production, now])?;
    Ok(c.last_insert_rowid())
}

pub fn env_by_slug(c: &Connection, target: i64, slug: &str) -> Q<Option<EnvRow>> {
    Ok(c.prepare_cached(&format!("SELECT {ENV_COLS} FROM environments WHERE target_id = ?1 AND slug = ?2"))?
        .query_row(params![target, slug], env)
        .optional()?)
}

pub fn env_by_id(c: &Connection, id: i64) -> Q<Option<EnvRow>> {
    Ok(c.prepare_cached(&format!("SELECT {ENV_COLS} FROM environments WHERE id = ?1"))?
        .query_row([id], env)
        .optional()?)
}

pub fn envs(c: &Connection, target: i64, limit: u32, offset: u64) -> Q<(Vec<EnvRow>, u64)> {
    let total: i64 = c
        .prepare_cached("SELECT COUNT(*) FROM environments WHERE target_id = ?1")?
        .query_row([target], |r| r.get(0))?;
    let mut st = c.prepare_cached(&format!(
        "SELECT {ENV_COLS} FROM environments WHERE target_id = ?1 ORDER BY name, id LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = st.query_map(params![target, limit, offset as i64], env)?.collect::<R<Vec<_>>>()?;
    Ok((rows, total as u64))
}

pub fn update_env_status(c: &Connection, id: i64, status: &str, is_production: bool) -> Q<()> {
    c.prepare_cached("UPDATE environments SET status = ?2, is_production = ?3 WHERE id = ?1")?.execute(params![
        id,
        status,
        is_production
    ])?;
    Ok(())
}

/// `Debug` leaves out hashes, wrapped keys, proofs and blobs.
#[derive(Clone)]
pub struct KeyRow {
    pub id: i64,
    pub project_id: i64,
    pub version: i64,
    pub managed: String,
    pub wrapped_key: Option<String>,
    pub key_check: Option<String>,
    pub key_check_salt: Option<String>,
    pub key_check_iterations: Option<i64>,
    pub is_active: bool,
    pub created_at: String,
    pub rotated_at: Option<String>,
}

const KEY_COLS: &str = "id, project_id, version, managed, wrapped_key, key_check, key_check_salt, key_check_iterations, is_active, created_at, rotated_at";

fn key(r: &Row<'_>) -> R<KeyRow> {
    Ok(KeyRow {
        id: r.get(0)?,
        project_id: r.get(1)?,
        version: r.get(2)?,
        managed: r.get(3)?,
        wrapped_key: r.get(4)?,
        key_check: r.get(5)?,
        key_check_salt: r.get(6)?,
        key_check_iterations: r.get(7)?,
        is_active: r.get(8)?,
        created_at: r.get(9)?,
        rotated_at: r.get(10)?,
    })
}

pub struct NewKey<'a> {
    pub version: i64,
    pub managed: &'a str,
    pub wrapped_key: Option<&'a str>,
    pub key_check: Option<&'a str>,
    pub key_check_salt: Option<&'a str>,
    pub key_check_iterations: Option<i64>,
}

/// Inserts a new active key version, retiring the previous active one (frozen from then on).
pub fn insert_key(c: &Connection, project: i64, k: &NewKey<'_>, now: &str) -> Q<i64> {
    c.prepare_cached("UPDATE project_keys SET is_active = 0, rotated_at = ?2 WHERE project_id = ?1 AND is_active = 1")?
        .execute(params![project, now])?;
    c.prepare_cached("INSERT INTO project_keys (project_id, version, managed, wrapped_key, key_check, key_check_salt, key_check_iterations, is_active, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8)")?.execute(params![project, k.version, k.managed, k.wrapped_key, k.key_check, k.key_check_salt, k.key_check_iterations, now])?;
    Ok(c.last_insert_rowid())
}

pub fn active_key(c: &Connection, project: i64) -> Q<Option<KeyRow>> {
    Ok(c.prepare_cached(&format!("SELECT {KEY_COLS} FROM project_keys WHERE project_id = ?1 AND is_active = 1"))?
        .query_row([project], key)
        .optional()?)
}

pub fn key_version(c: &Connection, project: i64, version: i64) -> Q<Option<KeyRow>> {
    Ok(c.prepare_cached(&format!("SELECT {KEY_COLS} FROM project_keys WHERE project_id = ?1 AND version = ?2"))?
        .query_row(params![project, version], key)
        .optional()?)
}

/// Active first, then by descending version.
pub fn keys(c: &Connection, project: i64) -> Q<Vec<KeyRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {KEY_COLS} FROM project_keys WHERE project_id = ?1 ORDER BY is_active DESC, version DESC"
    ))?;
    let rows = st.query_map([project], key)?;
    Ok(rows.collect::<R<Vec<_>>>()?)
}

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
        id: r.get(0)?,
        ulid: r.get(1)?,
        node: r.get(2)?,
        content: r.get(3)?,
        key_version: r.get(4)?,
        revision: r.get(5)?,
        updated_at: r.get(6)?,
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
    Ok(c.prepare_cached("UPDATE secrets SET content = ?2, key_version = ?3, revision = revision + 1, updated_at = ?4 WHERE id = ?1 RETURNING revision")?.query_row(params![id, content, key_version, now], |r| r.get(0))?)
}

pub fn delete_secret_row(c: &Connection, id: i64) -> Q<()> {
    c.prepare_cached("DELETE FROM secrets WHERE id = ?1")?.execute([id])?;
    Ok(())
}

/// `Debug` leaves out hashes, wrapped keys, proofs and blobs.
#[derive(Clone)]
pub struct VersionRow {
    pub id: i64,
    pub node: String,
    pub project_id: i64,
    pub action: String,
    pub content: Option<String>,
    pub size_bytes: i64,
    pub key_version: i64,
    pub is_client: bool,
    pub revision: i64,
    pub created_at: String,
    pub created_by_id: Option<i64>,
    pub created_by_name: Option<String>,
}

const VERSION_COLS: &str =
    "id, node, project_id, action, content, size_bytes, key_version, is_client, revision, created_at, created_by_id, created_by_name";

fn version(r: &Row<'_>) -> R<VersionRow> {
    Ok(VersionRow {
        id: r.get(0)?,
        node: r.get(1)?,
        project_id: r.get(2)?,
        action: r.get(3)?,
        content: r.get(4)?,
        size_bytes: r.get(5)?,
        key_version: r.get(6)?,
        is_client: r.get(7)?,
        revision: r.get(8)?,
        created_at: r.get(9)?,
        created_by_id: r.get(10)?,
        created_by_name: r.get(11)?,
    })
}

pub struct NewVersion<'a> {
    pub action: &'a str,
    pub content: Option<&'a str>,
    pub key_version: i64,
    pub is_client: bool,
    pub revision: i64,
    pub created_by: Option<(i64, &'a str)>,
}

pub fn insert_version(c: &Connection, n: &NodeIds, v: &NewVersion<'_>, now: &str) -> Q<i64> {
    let size = v.content.map_or(0, str::len) as i64;
    c.prepare_cached("INSERT INTO secret_versions (node, project_id, target_id, environment_id, action, content, size_bytes, key_version, is_client, revision, created_at, created_by_id, created_by_name)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")?.execute(params![
            n.node,
            n.project,
            n.target,
            n.environment,
            v.action,
            v.content,
            size,
            v.key_version,
            v.is_client,
            v.revision,
            now,
            v.created_by.map(|c| c.0),
            v.created_by.map(|c| c.1)
        ])?;
    Ok(c.last_insert_rowid())
}

pub fn versions_of_node(c: &Connection, node: &str, limit: u32, offset: u64) -> Q<(Vec<VersionRow>, u64)> {
    let total: i64 =
        c.prepare_cached("SELECT COUNT(*) FROM secret_versions WHERE node = ?1")?.query_row([node], |r| r.get(0))?;
    let mut st = c.prepare_cached(&format!(
        "SELECT {VERSION_COLS} FROM secret_versions WHERE node = ?1 ORDER BY id DESC LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = st.query_map(params![node, limit, offset as i64], version)?.collect::<R<Vec<_>>>()?;
    Ok((rows, total as u64))
}

/// A version, only if it belongs to a project of `org`.
pub fn version_in_org(c: &Connection, org: i64, id: i64) -> Q<Option<VersionRow>> {
    Ok(c.prepare_cached(&format!(
            "SELECT {} FROM secret_versions v JOIN projects p ON v.project_id = p.id WHERE v.id = ?1 AND p.organization_id = ?2",
            VERSION_COLS.split(", ").map(|c| format!("v.{c}")).collect::<Vec<_>>().join(", ")
        ))?.query_row(params![id, org], version)
    .optional()?)
}

pub fn count_content_versions(c: &Connection, node: &str) -> Q<u64> {
    let n: i64 = c
        .prepare_cached("SELECT COUNT(*) FROM secret_versions WHERE node = ?1 AND content IS NOT NULL")?
        .query_row([node], |r| r.get(0))?;
    Ok(n as u64)
}

pub fn delete_version(c: &Connection, id: i64) -> Q<()> {
    c.prepare_cached("DELETE FROM secret_versions WHERE id = ?1")?.execute([id])?;
    Ok(())
}

pub fn purge_node(c: &Connection, node: &str) -> Q<usize> {
    Ok(c.prepare_cached("DELETE FROM secret_versions WHERE node = ?1")?.execute([node])?)
}

pub fn purge_project(c: &Connection, project: i64) -> Q<usize> {
    Ok(c.prepare_cached("DELETE FROM secret_versions WHERE project_id = ?1")?.execute([project])?)
}

/// Versions of a project whose blob is under another key version than `active`.
pub fn pending_versions(c: &Connection, project: i64, active: i64, limit: u32) -> Q<(Vec<VersionRow>, u64)> {
    let total: i64 = c
        .prepare_cached(
            "SELECT COUNT(*) FROM secret_versions WHERE project_id = ?1 AND key_version != ?2 AND content IS NOT NULL",
        )?
        .query_row(params![project, active], |r| r.get(0))?;
    let mut st = c.prepare_cached(&format!(
        "SELECT {VERSION_COLS} FROM secret_versions WHERE project_id = ?1 AND key_version != ?2 AND content IS NOT NULL ORDER BY id LIMIT ?3"
    ))?;
    let rows = st.query_map(params![project, active, limit], version)?.collect::<R<Vec<_>>>()?;
    Ok((rows, total as u64))
}

pub fn versions_of_project(c: &Connection, project: i64) -> Q<Vec<VersionRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {VERSION_COLS} FROM secret_versions WHERE project_id = ?1 AND content IS NOT NULL"
    ))?;
    let rows = st.query_map([project], version)?;
    Ok(rows.collect::<R<Vec<_>>>()?)
}

pub fn set_version_content(c: &Connection, id: i64, content: &str, key_version: i64) -> Q<()> {
    c.prepare_cached("UPDATE secret_versions SET content = ?2, size_bytes = ?3, key_version = ?4 WHERE id = ?1")?
        .execute(params![id, content, content.len() as i64, key_version])?;
    Ok(())
}

impl std::fmt::Debug for TokenRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRow")
            .field("id", &self.id)
            .field("organization_id", &self.organization_id)
            .field("name", &self.name)
            .field("abilities", &self.abilities)
            .field("created_at", &self.created_at)
            .field("last_used_at", &self.last_used_at)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for KeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRow")
            .field("id", &self.id)
            .field("project_id", &self.project_id)
            .field("version", &self.version)
            .field("managed", &self.managed)
            .field("key_check_iterations", &self.key_check_iterations)
            .field("is_active", &self.is_active)
            .field("created_at", &self.created_at)
            .field("rotated_at", &self.rotated_at)
            .finish_non_exhaustive()
    }
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

impl std::fmt::Debug for VersionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VersionRow")
            .field("id", &self.id)
            .field("node", &self.node)
            .field("project_id", &self.project_id)
            .field("action", &self.action)
            .field("size_bytes", &self.size_bytes)
            .field("key_version", &self.key_version)
            .field("is_client", &self.is_client)
            .field("revision", &self.revision)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

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
