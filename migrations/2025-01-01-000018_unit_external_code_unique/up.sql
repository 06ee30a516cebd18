-- A unit's external_code (its code in the corrections information system, the integration key) names one unit
-- (issue 18): unique among units, so that an integration that looks a unit up by it finds at most one. NULL (no
-- code) stays allowed for any number of units. The index also serves the list filter `?external_code=`.
-- A database that already holds two units with one code cannot take the index: the migration stops and names
-- the codes, so that an administrator can correct them (PATCH /api/v1/units/{id}) and start the service again.
DO $$
DECLARE
    duplicated text;
BEGIN
    SELECT string_agg(DISTINCT external_code, ', ' ORDER BY external_code) INTO duplicated
    FROM (SELECT external_code FROM units WHERE external_code IS NOT NULL
          GROUP BY external_code HAVING count(*) > 1) d;
    IF duplicated IS NOT NULL THEN
        RAISE EXCEPTION 'units.external_code must be unique; these codes name more than one unit: %', duplicated;
    END IF;
END
$$;

CREATE UNIQUE INDEX units_external_code_key ON units (external_code);
