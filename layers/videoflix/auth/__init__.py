"""Accounts and authentication: passwords, tokens and the auth use cases."""
