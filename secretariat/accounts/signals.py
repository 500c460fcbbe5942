"""What the accounts room tells the rooms above it (notifications), which
listen: accounts cannot import them (they import accounts)."""

from django.dispatch import Signal

# A sensitive role was asked for and waits for a second administrator
# (``grant``: the RoleGrant).
role_grant_requested = Signal()
# The integrity check found broken chains (``problems``: one line each).
integrity_broken = Signal()
