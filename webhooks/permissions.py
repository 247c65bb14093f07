"""Who may see and change webhooks: admins only (the endpoints carry secrets)."""

from portfolio.permissions import is_admin


def can_manage_webhooks(user) -> bool:
    return is_admin(user)
