"""Shared foundations: the event log (timeline + audit), the task queue, sanitising, limits."""
