"""Notifications: an outbox written with the change that causes it, the bell,
emails and digests."""
