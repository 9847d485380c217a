"""Domain logic used by views, CLI commands and jobs. Services take a
database session and plain values; they never touch the request."""
