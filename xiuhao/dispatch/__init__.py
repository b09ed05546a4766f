"""Dispatch: the day-plan optimiser and single-job recommendations (plain Python, no Django)."""
