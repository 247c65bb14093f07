"""Custom fields: what an organisation records about its use cases beyond the registry's own fields,
defined by admins on the administration pages (modelled on NetBox's ``CustomField``). Each use
case keeps its values in one JSON column, ``UseCase.custom_values`` ({name: value}); the types
and their rules are in ``usecases.custom_fields``.

A field is never deleted, only archived: an archived field leaves the form, the detail page, the
list and the exports, while its values stay in the JSON column, in the revisions and in the
history, still named by the field's label."""

from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

# A name is the field's key in the JSON column and in URLs (``?cf_<name>=``), so it is a plain
# identifier; it never changes once the field exists.
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,49}$"


class CustomFieldType(models.TextChoices):
    TEXT = "text", "Text"
    LONG_TEXT = "long_text", "Long text"
    INTEGER = "integer", "Whole number"
    DECIMAL = "decimal", "Decimal number"
    DATE = "date", "Date"
    BOOLEAN = "boolean", "Yes / no"
    URL = "url", "Web address (URL)"
    CHOICE = "choice", "Choice"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
    PERSON = "person", "Person"


CHOICE_TYPES = frozenset({CustomFieldType.CHOICE, CustomFieldType.MULTIPLE_CHOICE})


class CustomFieldQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_archived=False)


class CustomField(models.Model):
    name = models.CharField(
        max_length=50,
        unique=True,
        validators=[RegexValidator(NAME_PATTERN)],
        help_text="The key the values are stored under: lower-case letters, digits and "
        "underscores, starting with a letter. It can't be changed later.",
    )
    label = models.CharField(max_length=100, unique=True)
    help_text = models.CharField(max_length=300, blank=True)
    type = models.CharField(max_length=20, choices=CustomFieldType.choices)
    choices = ArrayField(
        models.CharField(max_length=100),
        default=list,
        blank=True,
        help_text="For a choice or multiple choice: the options, in the order shown.",
    )
    required_for_review = models.BooleanField(
        default=False, help_text="A use case can't be submitted for review while it is empty."
    )
    group = models.CharField(
        max_length=100, blank=True, help_text="Fields of one group are shown together."
    )
    order = models.PositiveSmallIntegerField(default=100, help_text="Lower numbers come first.")
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CustomFieldQuerySet.as_manager()

    class Meta:
        ordering = ["group", "order", "label"]
        constraints = [
            models.CheckConstraint(
                condition=Q(name__regex=NAME_PATTERN), name="customfield_name_identifier"
            ),
            models.CheckConstraint(
                condition=Q(type__in=CustomFieldType.values), name="customfield_type_valid"
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def key(self) -> str:
        """The field's name in forms, query strings, snapshots and change records."""
        return f"cf_{self.name}"
