"""Feedback: tenancy, creatives, rubric, ratings and label quality."""
