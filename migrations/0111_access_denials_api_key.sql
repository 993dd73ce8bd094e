-- A denial made with an API key names the key (user_id stays the key's creator, on whose behalf it acts).
ALTER TABLE denials ADD COLUMN api_key_id uuid;
