"""The browser chat page (issue 5)."""
