"""Server-rendered pages: login, home, rating and review."""
