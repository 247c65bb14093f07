"""The standards' profiles (admins): which are switched on, what each asks, and the switch."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from administration.forms.objects import ProfileSwitchForm
from administration.services import profiles
from administration.services.errors import AdminError
from administration.views.generic import require_admin
from usecases.profiles import PROFILES, enabled_profiles


@require_GET
def profile_list(request):
    require_admin(request)
    enabled = {profile.key for profile in enabled_profiles()}
    rows = [(profile, profile.key in enabled) for profile in PROFILES.values()]
    return render(request, "administration/profile_list.html", {"rows": rows})


@require_POST
def profile_switch(request, key):
    require_admin(request)
    form = ProfileSwitchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to switch the profile on or off. Nothing was changed.")
        return redirect("administration:profile_list")
    enabled = form.cleaned_data["enabled"]
    try:
        profile = profiles.profile_set_enabled(key=key, actor=request.user, enabled=enabled)
    except AdminError as error:
        messages.error(request, f"{error} Nothing was changed.")
    else:
        done = "switched on" if enabled else "switched off"
        messages.success(request, f"{profile.name}: {done}.")
    return redirect("administration:profile_list")
