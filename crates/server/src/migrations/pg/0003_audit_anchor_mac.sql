-- 0003_audit_anchor_mac.sql in PostgreSQL.
ALTER TABLE audit_anchor ADD COLUMN mac TEXT;
