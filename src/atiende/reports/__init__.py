"""Reports for supervisors: volume, channels, what customers struggle with, speed, CSAT."""
