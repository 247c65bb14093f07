"""The API tokens pages: each person's own tokens (made, listed, revoked) and, for admins,
everyone's."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from api import tokens
from api.forms import TokenForm
from api.models import AccessToken
from api.permissions import can_have_tokens, can_manage_all_tokens


def token_list(request):
    """GET: my tokens and the form for a new one. POST: make one, shown once on this page."""
    if not can_have_tokens(request.user):
        raise PermissionDenied
    form = TokenForm(request.POST or None)
    created = text = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created, text = tokens.create(
                request.user, name=data["name"], scope=data["scope"], expires_at=form.expires_at()
            )
        except tokens.TokenError as error:
            form.add_error(None, str(error))
        else:
            form = TokenForm()
    mine = AccessToken.objects.filter(user=request.user)
    status = 400 if form.errors else 200
    context = {
        "form": form,
        "tokens": mine,
        "created": created,
        "token_text": text,
        "can_see_all": can_manage_all_tokens(request.user),
    }
    return render(request, "api/tokens.html", context, status=status)


def token_list_all(request):
    if not can_manage_all_tokens(request.user):
        raise PermissionDenied
    everyone = AccessToken.objects.select_related("user")
    return render(request, "api/tokens_all.html", {"tokens": everyone})


@require_POST
def token_revoke(request, pk):
    """Revoke one token, the person's own or (for an admin) anyone's; back to the list it came
    from."""
    try:
        token = tokens.revoke(request.user, pk)
    except AccessToken.DoesNotExist:
        raise Http404("No such token.") from None
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    if token.user_id != request.user.pk:
        return redirect("api_pages:token_list_all")
    return redirect("api_pages:token_list")
