"""Customer satisfaction (CSAT): a survey after each solve, through the conversation's channel."""
