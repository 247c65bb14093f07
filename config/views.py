"""Site-wide views that belong to no app."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
def favicon(request):
    """``/favicon.ico``, which browsers ask for on their own: the icon in the static files (under
    its hashed name in production), so it is never a 404 in the logs."""
    response = HttpResponseRedirect(static("img/favicon.ico"))
    patch_cache_control(response, public=True, max_age=86400)
    return response
