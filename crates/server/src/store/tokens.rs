//! `api_tokens`.

use r2d2_sqlite::rusqlite::{params, Connection, OptionalExtension, Row};

use super::{Q, R};

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
        id: r.get("id")?,
        organization_id: r.get("organization_id")?,
        name: r.get("name")?,
        token_hash: r.get("token_hash")?,
        abilities: r.get("abilities")?,
        created_at: r.get("created_at")?,
        last_used_at: r.get("last_used_at")?,
        revoked_at: r.get("revoked_at")?,
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
