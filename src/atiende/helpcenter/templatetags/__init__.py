"""Template tags of the help center."""
