"""Template tags of the workflow app."""
