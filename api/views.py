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

# The session key that carries a new token's text to the one page that shows it.
NEW_TOKEN = "api_new_token"


def token_list(request):
    """GET: my tokens and the form for a new one. POST: make one, then back here (a reload makes
    no second token), where it is shown this once: the session holds its text until then."""
    if not can_have_tokens(request.user):
        raise PermissionDenied
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created, text = tokens.create(
                request.user, name=data["name"], scope=data["scope"], expires_at=form.expires_at()
            )
        except tokens.TokenError as error:
            form.add_error(None, str(error))
        else:
            request.session[NEW_TOKEN] = {"id": created.pk, "text": text}
            return redirect("api_pages:token_list")
    mine = list(AccessToken.objects.filter(user=request.user))
    new = request.session.pop(NEW_TOKEN, None) if request.method == "GET" else None
    created = next((token for token in mine if new and token.pk == new["id"]), None)
    context = {
        "form": form,
        "tokens": mine,
        "created": created,
        "token_text": new["text"] if created else None,
        "can_see_all": can_manage_all_tokens(request.user),
    }
    return render(request, "api/tokens.html", context, status=400 if form.errors else 200)


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
