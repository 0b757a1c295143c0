//! `api_tokens`.

use crate::db::{Conn, Row};
use crate::params;

use super::Q;

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

fn token(r: &Row<'_>) -> Q<TokenRow> {
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

pub fn insert_token(c: &Conn<'_>, org: i64, name: &str, hash: &[u8], abilities: &str, now: &str) -> Q<i64> {
    c.query_one(
        "INSERT INTO api_tokens (organization_id, name, token_hash, abilities, created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        params![org, name, hash, abilities, now],
        |r| r.get("id"),
    )
}

pub fn token_by_hash(c: &Conn<'_>, hash: &[u8]) -> Q<Option<TokenRow>> {
    c.query_opt(&format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE token_hash = ?1"), params![hash], token)
}

pub fn tokens(c: &Conn<'_>, org: Option<i64>) -> Q<Vec<TokenRow>> {
    match org {
        Some(org) => c.query(
            &format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE organization_id = ?1 ORDER BY id"),
            params![org],
            token,
        ),
        None => c.query(&format!("SELECT {TOKEN_COLS} FROM api_tokens ORDER BY id"), params![], token),
    }
}

pub fn revoke_token(c: &Conn<'_>, id: i64, org: Option<i64>, now: &str) -> Q<u64> {
    match org {
        Some(org) => c.execute(
            "UPDATE api_tokens SET revoked_at = ?3 WHERE id = ?1 AND organization_id = ?2 AND revoked_at IS NULL",
            params![id, org, now],
        ),
        None => {
            c.execute("UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", params![id, now])
        }
    }
}

pub fn touch_token(c: &Conn<'_>, id: i64, now: &str) -> Q<()> {
    c.execute("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1", params![id, now])?;
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
