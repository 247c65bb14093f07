"""Fixtures of the use-case tests beyond the shared ones: imported use cases nobody owns."""

from tests.usecases.claims import contact, imported, other_lead

__all__ = ["contact", "imported", "other_lead"]
