-- Delivery platforms (SPEC §15.5): a driver profile may be `external` — a platform's courier,
-- with no account (user_id null), created by a manager or admin; partner API keys with the
-- scope deliveries:write assign such drivers and move their deliveries.
ALTER TABLE drivers ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE drivers ADD COLUMN external BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE drivers ADD CONSTRAINT drivers_external_user_check
  CHECK ((external AND user_id IS NULL) OR (NOT external AND user_id IS NOT NULL));
