"""Registry declarations of messages and announcements."""
