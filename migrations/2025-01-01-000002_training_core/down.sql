DROP TABLE session_facilitators;
DROP TABLE sessions;
DROP TABLE session_kinds;
DROP TABLE event_organizers;
DROP TABLE events;
DROP TABLE programs;
