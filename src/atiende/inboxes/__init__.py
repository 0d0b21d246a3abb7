"""Inboxes (configured channel instances) and the channel adapter contract."""
