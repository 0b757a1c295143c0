-- The retention anchor carries a MAC under the audit chain's key (crates/server/src/audit.rs), so it
-- cannot be moved by someone who can write the database but does not hold the master key.
ALTER TABLE audit_anchor ADD COLUMN mac TEXT;
