"""Template tags of the agent inbox."""
