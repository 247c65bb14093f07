"""Which public standards' profiles the organisation has switched on (``usecases.profiles`` holds
the profiles themselves, as data files): one row per profile switched on, written by the
administration's profile page."""

from django.conf import settings
from django.db import models


class EnabledProfile(models.Model):
    key = models.CharField(max_length=60, unique=True)
    enabled_at = models.DateTimeField(auto_now_add=True)
    enabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return self.key
