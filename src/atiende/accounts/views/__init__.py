"""Views of the accounts app: the agent's sidebar panel, the approval queue, the customer's
self-service pages in the portal."""
