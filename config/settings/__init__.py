"""Settings per environment: base, local (newcomer default), test, production."""
