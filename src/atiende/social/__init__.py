"""Social channels: Messenger, Instagram, WhatsApp, X and Telegram adapters."""
