DROP TRIGGER enrollments_webhooks_updated ON enrollments;
DROP FUNCTION webhook_enrollments_updated();
DROP TRIGGER enrollments_webhooks ON enrollments;
CREATE TRIGGER enrollments_webhooks AFTER INSERT OR UPDATE OR DELETE ON enrollments
    FOR EACH ROW EXECUTE FUNCTION webhook_enrollments();
DROP TRIGGER track_rows_updated ON enrollments;
DROP FUNCTION track_rows_updated();
DROP TRIGGER track_row ON enrollments;
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON enrollments
    FOR EACH ROW EXECUTE FUNCTION track_row('enrollment', 'id', 'enrollment');
