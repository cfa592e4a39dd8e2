"""Emails: rendering (pure), the outbox queue, and SES delivery."""
