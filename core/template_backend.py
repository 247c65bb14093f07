"""Django's template engine, with each render's context let go as soon as the page is rendered.

A ``RequestContext`` keeps, on its own stack, a dict that points back at it (Django's
``ContextDict.context``): every page's context, and all it holds (a dashboard's thousands of
rows), outlives the render as a reference cycle that only Python's garbage collector frees. At a
million use cases a dashboard left some 5,000 such objects a request, so the collector ran during
most requests and now and then for 13-16 ms at once (``benchmarks/scale_pages.py``'s p95). Once
the template has rendered, the context's stack is emptied: nothing points back at the context,
and reference counting frees it and its rows there and then.
"""

from django.template import TemplateDoesNotExist
from django.template.backends import django as django_backend
from django.template.context import make_context


class Template(django_backend.Template):
    def render(self, context=None, request=None):
        made = make_context(context, request, autoescape=self.backend.engine.autoescape)
        try:
            rendered = self.template.render(made)
        except TemplateDoesNotExist as exc:
            django_backend.reraise(exc, self.backend)
        # The dicts were the caller's context and the context processors' values: the rendered
        # text is all that is kept. Not on an error, whose report may show the context.
        made.dicts.clear()
        return rendered


class DjangoTemplates(django_backend.DjangoTemplates):
    """``django.template.backends.django.DjangoTemplates`` rendering through ``Template``."""

    def from_string(self, template_code):
        return Template(self.engine.from_string(template_code), self)

    def get_template(self, template_name):
        try:
            return Template(self.engine.get_template(template_name), self)
        except TemplateDoesNotExist as exc:
            django_backend.reraise(exc, self)
