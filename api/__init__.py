"""The HTTP edge: the REST API (and the web pages)."""
