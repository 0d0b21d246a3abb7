"""The email channel: IMAP, inbound SMTP and raw-MIME upload in; SMTP out; threading, loops,
bounces and quarantine. Named `mail` so it does not shadow the standard library's `email`."""
