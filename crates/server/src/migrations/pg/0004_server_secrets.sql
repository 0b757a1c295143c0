-- 0004_server_secrets.sql in PostgreSQL.
CREATE TABLE server_secrets (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  audit_chain_key TEXT NOT NULL
);
