"""Each page's template context is let go once the page is rendered (``core.template_backend``):
freed by reference counting at once, not left as a cycle for the garbage collector to find in the
middle of a later request."""

import gc
import weakref

from django.contrib.auth.models import AnonymousUser
from django.shortcuts import render
from django.template import engines


class Rows(list):
    """A page's rows: a list that can be watched for being freed."""


def _rendered_then_freed(request) -> bool:
    rows = Rows(["a row"])
    watched = weakref.ref(rows)
    response = render(request, "components/empty_state.html", {"rows": rows})
    assert response.status_code == 200
    del rows
    return watched() is None


def test_a_rendered_pages_context_is_freed_without_the_garbage_collector(rf):
    request = rf.get("/")
    request.user = AnonymousUser()
    gc.disable()
    try:
        assert _rendered_then_freed(request)
    finally:
        gc.enable()


def test_djangos_own_engine_keeps_the_context_in_a_cycle(rf):
    """What the backend is for: with Django's ``Template.render`` (a ``RequestContext`` whose
    stack points back at it) the same render's rows stay until the collector runs. Should a
    Django release stop keeping that cycle, this fails, and the backend can go."""
    request = rf.get("/")
    request.user = AnonymousUser()
    backend = engines["django"]
    assert type(backend).__module__ == "core.template_backend"
    template = backend.get_template("components/empty_state.html")
    gc.disable()
    try:
        rows = Rows(["a row"])
        watched = weakref.ref(rows)
        super(type(template), template).render({"rows": rows}, request)
        del rows
        assert watched() is not None
        gc.collect()
        assert watched() is None
    finally:
        gc.enable()


def test_a_failed_render_keeps_its_context_for_the_error_report(rf):
    """An error's report (Django's debug page, a tracker reading a frame's locals) may show the
    context: only a page that rendered lets it go."""
    request = rf.get("/")
    request.user = AnonymousUser()
    template = engines["django"].from_string("{{ rows.explode }}")

    class Exploding:
        @property
        def explode(self):
            raise RuntimeError("boom")

    try:
        template.render({"rows": Exploding()}, request)
    except RuntimeError as error:
        frames = []
        traceback = error.__traceback__
        while traceback:
            frames.append(traceback.tb_frame)
            traceback = traceback.tb_next
        made = next(frame.f_locals["made"] for frame in frames if "made" in frame.f_locals)
        assert any("rows" in layer for layer in made.dicts)
    else:
        raise AssertionError("the render should have failed")
