-- 0008: reserved for a migration of another branch, which takes this number once merged.
-- No-op; the runner applies the real 0008 in its place (see migrate.go, placeholders).
SELECT 1;
