-- 005: what a USSD caller may be asked before a reset when the country's
-- policy wants more than SIM possession (mobile-money practice: year of birth,
-- last digits of the national ID). The ID digits are kept only as an HMAC.
ALTER TABLE molam_users ADD COLUMN IF NOT EXISTS birth_year smallint
  CHECK (birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100);
ALTER TABLE molam_users ADD COLUMN IF NOT EXISTS national_id_last4_digest text;
