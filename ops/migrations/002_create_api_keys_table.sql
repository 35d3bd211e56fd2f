-- API keys: only a hash of the secret is stored; the prefix lets support identify a key without it.

CREATE TABLE api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint      NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_by   bigint      REFERENCES users (id) ON DELETE SET NULL,
    name         text        NOT NULL,
    key_prefix   text        NOT NULL CHECK (char_length(key_prefix) = 8),
    key_hash     bytea       NOT NULL,
    scopes       text[]      NOT NULL DEFAULT ARRAY['read']::text[],
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT api_keys_prefix_unique UNIQUE (key_prefix),
    CONSTRAINT api_keys_expiry_after_creation CHECK (expires_at IS NULL OR expires_at > created_at)
);

COMMENT ON TABLE api_keys IS 'Hashed API credentials; the plaintext key is shown once at creation and never stored.';
COMMENT ON COLUMN api_keys.key_hash IS 'SHA-256 of the full key; compare with a constant-time check.';
