"""atiende: self-hostable omnichannel customer support."""
