from portfolio.permissions import is_admin, is_reviewer


def roles(request):
    """Role flags for the navigation bar; computed lazily so anonymous pages pay nothing."""
    user = request.user
    return {
        "user_is_admin": lambda: is_admin(user),
        "user_is_reviewer": lambda: is_reviewer(user),
    }
