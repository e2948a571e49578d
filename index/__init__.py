"""Retrieval over the paper corpus (issue 3)."""
