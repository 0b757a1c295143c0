//! `organizations`.

use r2d2_sqlite::rusqlite::{params, Connection, OptionalExtension, Row};

use super::{Q, R};

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
        id: r.get("id")?,
        ulid: r.get("ulid")?,
        name: r.get("name")?,
        slug: r.get("slug")?,
        status: r.get("status")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
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
