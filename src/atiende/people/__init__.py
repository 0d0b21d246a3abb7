"""Agents (with roles and teams), customers (contacts) and their per-channel identities."""
