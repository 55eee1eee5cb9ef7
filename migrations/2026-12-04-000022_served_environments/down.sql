DROP TABLE served_environments;
