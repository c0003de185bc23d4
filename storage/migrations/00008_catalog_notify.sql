-- +goose Up
-- Every process caches the current contest and the question pools in memory
-- (storage/catalog.go) and drops them when it hears of a change on channel
-- quizbot_catalog. The triggers are what makes that exact: whoever writes
-- (quizbot, a psql session, a test's plain SQL), the notification goes to
-- every listening process once the transaction commits, and not at all if it
-- rolls back. Postgres folds identical notifications of one transaction into
-- one, so an import of a thousand questions sends one.
--
-- The cached results read contests, rounds and questions only. Statement
-- level: one notification per statement, whatever the number of rows, and
-- TRUNCATE too.
-- +goose StatementBegin
CREATE FUNCTION quizbot_catalog_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('quizbot_catalog', '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER contests_catalog_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON contests
    FOR EACH STATEMENT EXECUTE FUNCTION quizbot_catalog_notify();
CREATE TRIGGER rounds_catalog_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rounds
    FOR EACH STATEMENT EXECUTE FUNCTION quizbot_catalog_notify();
CREATE TRIGGER questions_catalog_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON questions
    FOR EACH STATEMENT EXECUTE FUNCTION quizbot_catalog_notify();

-- +goose Down
-- Forward-only: no down migration.
SELECT 1;
