"""CRUD/data-scope cases of messages and announcements (core/tests harness)."""
