"""Creating, editing and archiving products."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from administration.forms.objects import ProductForm
from administration.services import products
from administration.views.generic import ObjectEditView, archive_view, require_admin
from portfolio.models import Product


class ProductEditView(ObjectEditView):
    queryset = Product.objects.select_related("team", "manager")

    def get_form(self, request, obj, data, **kwargs):
        return ProductForm(data, product=obj, **kwargs)

    def save(self, request, obj, data, form):
        if obj is None:
            return products.product_create(actor=request.user, data=data)
        return products.product_update(
            product=obj, actor=request.user, data=data, fingerprint=data["fingerprint"]
        )

    def success(self, request, saved, form):
        done = "created" if form.product is None else "saved"
        return f"Product {saved} {done}.", saved

    def current(self, conflict):
        return self.queryset.get(pk=conflict.target.pk)

    def create_context(self, request):
        return {
            "title": "New product",
            "action": reverse("administration:product_create"),
            "submit": "Create product",
            "cancel": reverse("portfolio:product_list"),
        }

    def edit_page(self, request, obj, form, **extra):
        return "administration/admin_edit.html", {
            "form": form,
            "title": f"Edit {obj}",
            "action": reverse("administration:product_edit", args=[obj.slug]),
            "submit": "Save product",
            "cancel": obj.get_absolute_url(),
            "archive_url": reverse("administration:product_archive", args=[obj.slug]),
            "is_archived": obj.is_archived,
            "noun": "product",
            **extra,
        }


@require_POST
def product_archive(request, slug):
    require_admin(request)
    product = get_object_or_404(Product, slug=slug)
    archive_view(
        request,
        set_archived=lambda **kwargs: products.product_set_archived(product=product, **kwargs),
        done=f"Product {product} {{}}.",
    )
    return redirect(product)
