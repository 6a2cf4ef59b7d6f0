"""Services: every write to the feedback domain goes through a function here."""
