"""Each person's own pages: My work, the inbox, the reviews waiting, the sign-offs."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from core.htmx import partial_request
from usecases import permissions, selectors, services
from usecases.models import Notification
from usecases.selectors.list_pages import list_page


def _inbox_context(request, page_number) -> dict:
    notices = selectors.inbox_notifications(request.user)
    page = Paginator(notices, settings.USECASE_PAGE_SIZE).get_page(page_number)
    unread = selectors.inbox_unread_summary(request.user)
    return {
        "page": page,
        "querystring": "",
        # Overrides the context processor's lazy count: the summary query already has it.
        "inbox_unread_count": unread.count,
        "newest_unread_id": unread.newest_id,
    }


@require_GET
def inbox(request):
    if not permissions.can_view_own_work(request.user):
        raise PermissionDenied
    context = _inbox_context(request, request.GET.get("page"))
    return render(request, "usecases/notification_inbox.html", context)


@require_POST
def notification_open(request, pk):
    """Open a notice: mark it read and go to its use case. Only its recipient may (others: 404,
    which does not even confirm the notice exists)."""
    notice = get_object_or_404(
        Notification.objects.select_related("usecase").only(
            "recipient", "read_at", "usecase", "usecase__number"
        ),
        pk=pk,
        recipient=request.user,
    )
    services.notification_mark_read(notification=notice, actor=request.user)
    if notice.usecase is None:
        return redirect("usecases:inbox")
    return redirect(notice.usecase)


@require_POST
def inbox_mark_all_read(request):
    """Mark every unread notice read, up to the newest one the page showed. With htmx the inbox
    is redrawn in place and the navigation badge told to refresh."""
    up_to = request.POST.get("up_to", "")
    up_to_id = int(up_to) if up_to.isascii() and up_to.isdigit() else None
    marked = services.notifications_mark_all_read(actor=request.user, up_to_id=up_to_id)
    message = f"{marked} notice{pluralize(marked)} marked as read."
    if partial_request(request):
        context = {**_inbox_context(request, request.POST.get("page")), "flash": message}
        response = render(request, "usecases/notification_inbox.html#inbox", context)
        return trigger_client_event(response, "inboxChanged", after="swap")
    messages.success(request, message)
    page = request.POST.get("page", "")
    suffix = f"?page={page}" if page.isascii() and page.isdigit() and page != "1" else ""
    return redirect(reverse("usecases:inbox") + suffix)


@require_GET
def inbox_count(request):
    """The navigation bar's unread badge alone, for htmx to refresh after a change."""
    return render(request, "base.html#inbox-badge")


@require_GET
def review_list(request):
    if not permissions.can_view_review_queue(request.user):
        raise PermissionDenied
    queue = selectors.reviews_waiting_for(request.user)
    page = list_page(queue.facts, request.GET, sort="reviews", total=queue.count)
    page.object_list = queue.usecases([fact.usecase_id for fact in page.object_list])
    return render(request, "usecases/review_list.html", {"page": page, "querystring": ""})


@require_GET
def signoff_list(request):
    if not permissions.can_view_own_work(request.user):
        raise PermissionDenied
    work = selectors.sign_off_work_for(request.user)
    return render(request, "usecases/signoff_list.html", {"work": work})


# --- My work: the home page after sign-in ------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
def my_work(request):
    """What waits for the signed-in person: drafts, reviews, sign-offs, owned use cases needing
    attention, unread notices. An htmx request (the page refreshing itself after a change) gets
    the sections alone."""
    if not permissions.can_view_own_work(request.user):
        raise PermissionDenied
    work = selectors.my_work(request.user)
    context = {
        "work": work,
        "can_create": permissions.can_create(request.user),
        # Overrides the context processor's lazy count: the selector already has it.
        "inbox_unread_count": work.unread_total,
    }
    template = "usecases/my_work.html"
    return render(
        request, f"{template}#sections" if partial_request(request) else template, context
    )
