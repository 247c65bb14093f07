"""What a view needs to know about an htmx request."""


def partial_request(request) -> bool:
    """Whether to answer with a fragment: an htmx request that swaps part of the page. A boosted
    navigation or a history restore needs the whole page."""
    return bool(
        request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request
    )
