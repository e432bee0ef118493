-- Placeholder for the migration 0006 of another branch (dynamic client registration), so
-- that this branch's 0007 applies; it is dropped when that branch is merged.
SELECT 1;
