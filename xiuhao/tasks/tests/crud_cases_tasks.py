"""CRUD/data-scope cases of the task models (core/tests harness)."""
