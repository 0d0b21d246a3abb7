"""Automation rules: supervisors' "when this happens and these hold, do that" (see
docs/automations.md)."""
