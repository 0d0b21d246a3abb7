"""Websocket consumers: live updates, presence and typing for agents (and customers)."""
