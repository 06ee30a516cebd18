DROP TABLE login_throttle;
DROP INDEX changes_at_idx;
DROP TABLE change_feed_horizon;
