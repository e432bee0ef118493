-- 0005: reserved for another branch's migration (performance indexes). This placeholder
-- only keeps the numbers without gaps until that migration is merged; it changes nothing
-- and is replaced by it.
SELECT 1;
