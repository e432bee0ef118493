-- Placeholder for the migration 0005 of another branch (performance indexes), so that this
-- branch's 0007 applies; it is dropped when that branch is merged.
SELECT 1;
