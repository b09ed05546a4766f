"""Registry declarations of tasks, task events and engineer states."""
