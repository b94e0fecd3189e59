-- Rate limits per key, user and team: requests and tokens a minute, and requests at once.
-- NULL or 0 means unlimited.
ALTER TABLE api_keys ADD COLUMN rpm_limit integer, ADD COLUMN tpm_limit integer, ADD COLUMN concurrency_limit integer;
ALTER TABLE users ADD COLUMN rpm_limit integer, ADD COLUMN tpm_limit integer, ADD COLUMN concurrency_limit integer;
ALTER TABLE teams ADD COLUMN rpm_limit integer, ADD COLUMN tpm_limit integer, ADD COLUMN concurrency_limit integer;
