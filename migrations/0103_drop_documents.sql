-- The classified `documents` table was a stand-in to prove data levels before contracts existed;
-- contracts now carry the data-level policy (0301). Forward-only: drop it.
DROP TABLE documents;
