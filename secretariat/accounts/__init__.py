"""Accounts and security: people, sign-in, second factor, sessions, lockout,
invitations, API tokens and the security log."""
