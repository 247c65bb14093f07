from functools import cache

from usecases.selectors import unread_notification_count


def inbox(request):
    """The unread count for the navigation bar's Inbox badge.

    A callable the template calls when it draws the badge, cached so asking twice costs one query;
    a page that never draws the navigation bar (anonymous, a fragment) runs none.
    """
    user = getattr(request, "user", None)
    return {"inbox_unread_count": cache(lambda: unread_notification_count(user))}
