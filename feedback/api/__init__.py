"""REST API v1 for the feedback domain."""
