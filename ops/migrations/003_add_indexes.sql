-- Indexes for the API's hot paths. The tables are new in this release, so a plain CREATE INDEX takes no
-- lock that traffic could notice; on a populated table use a no-transaction migration with CONCURRENTLY.

CREATE INDEX IF NOT EXISTS users_account_id_idx ON users (account_id);
CREATE INDEX IF NOT EXISTS projects_account_id_idx ON projects (account_id) WHERE archived_at IS NULL;
CREATE INDEX IF NOT EXISTS api_keys_account_id_idx ON api_keys (account_id);

-- Key lookup on every request: only live keys.
CREATE INDEX IF NOT EXISTS api_keys_active_prefix_idx
    ON api_keys (key_prefix)
    INCLUDE (account_id, scopes, expires_at)
    WHERE revoked_at IS NULL;
