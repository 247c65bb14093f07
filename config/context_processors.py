def current_page(request):
    """``namespace:url_name`` of the page being shown, for the navigation's aria-current; empty
    where no route matched (the 404 page), so the site's pages render for any URL."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.url_name:
        return {"current_page": ""}
    return {
        "current_page": f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    }
