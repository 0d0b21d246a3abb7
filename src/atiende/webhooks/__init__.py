"""Outgoing webhooks: signed HTTP notifications of events to integrators."""
