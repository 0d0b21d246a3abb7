"""The heart: conversations, messages, attachments, and every write to them (actions/)."""
