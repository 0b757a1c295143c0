-- What the master key opens besides the project keys: the audit chain's key, wrapped (AES-256-GCM)
-- under the master key (crates/server/src/audit.rs). It outlives a master-key rotation (wrapped again
-- with the project keys, so the chain stays verifiable), and a server given another master key is
-- refused at start, because it does not open.
CREATE TABLE server_secrets (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  audit_chain_key TEXT NOT NULL
);
