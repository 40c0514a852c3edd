-- 007: link reset requests to users once both tables exist (see 006).
DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_constraint WHERE conname = 'molam_reset_requests_user_fk'
  ) THEN
    ALTER TABLE molam_reset_requests
      ADD CONSTRAINT molam_reset_requests_user_fk
      FOREIGN KEY (user_id) REFERENCES molam_users (id) ON DELETE CASCADE;
  END IF;
END
$$;
