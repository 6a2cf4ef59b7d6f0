"""Per-client model training: the Django side and its pure ML core (`training.ml`)."""
