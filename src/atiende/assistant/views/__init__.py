"""Views of the assistant app: the conversation panel, the bot page, customers' reply links."""
