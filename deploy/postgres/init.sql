-- Runs once, when the postgres container initialises an empty data directory.
-- The official image has already created role `tongban` (POSTGRES_USER, with POSTGRES_PASSWORD)
-- and database `tongban` (POSTGRES_DB) owned by it, so nothing is created here.
--
-- No tables either: each service creates its own on first start. eventsourcing names them after
-- the application, which is `<service>_<site>`, e.g. intake_370671_events and
-- intake_370671_tracking, so the services of all sites can share this one database.

-- Event timestamps are UTC-aware in the contracts; keep the session default the same.
ALTER DATABASE tongban SET timezone TO 'UTC';
