"""Service levels: response and resolution targets, the clocks and breaches."""
