"""The built-in checks."""
