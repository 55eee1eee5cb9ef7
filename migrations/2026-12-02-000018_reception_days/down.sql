DROP TABLE reception_visits;
DROP TABLE reception_bookings;
DROP TABLE reception_sessions;
