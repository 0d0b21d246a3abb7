"""Views of the customer side, one module per page group: public pages, sign-in, the portal."""
