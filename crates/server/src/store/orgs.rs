//! `organizations`.

use crate::db::{Conn, Row};
use crate::params;

use super::Q;

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

fn org(r: &Row<'_>) -> Q<OrgRow> {
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

pub fn insert_org(c: &Conn<'_>, ulid: &str, name: &str, slug: &str, now: &str) -> Q<i64> {
    c.query_one("INSERT INTO organizations (ulid, name, slug, status, created_at, updated_at) VALUES (?1, ?2, ?3, 'active', ?4, ?4) RETURNING id", params![ulid, name, slug, now], |r| r.get("id"))
}

pub fn org_by_id(c: &Conn<'_>, id: i64) -> Q<Option<OrgRow>> {
    c.query_opt(&format!("SELECT {ORG_COLS} FROM organizations WHERE id = ?1"), params![id], org)
}

pub fn orgs(c: &Conn<'_>) -> Q<Vec<OrgRow>> {
    c.query(&format!("SELECT {ORG_COLS} FROM organizations ORDER BY id"), params![], org)
}

pub fn update_org_name(c: &Conn<'_>, id: i64, name: &str, now: &str) -> Q<()> {
    c.execute("UPDATE organizations SET name = ?2, updated_at = ?3 WHERE id = ?1", params![id, name, now])?;
    Ok(())
}
