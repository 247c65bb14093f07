"""Who may do what with access tokens: everyone signed in keeps their own; admins see and revoke
everyone's."""

from portfolio.permissions import is_admin


def can_have_tokens(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_manage_all_tokens(user) -> bool:
    return is_admin(user)


def can_revoke(user, token) -> bool:
    if not can_have_tokens(user):
        return False
    return token.user_id == user.pk or is_admin(user)
