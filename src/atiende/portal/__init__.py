"""The customer side: the public Help form, one-time sign-in links and the portal."""
