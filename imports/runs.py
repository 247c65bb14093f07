"""Starting an import, for the pages and the command alike: the file read and kept with its
mapping, the run queued for the task worker, and the summary line both print."""

from __future__ import annotations

import io
from pathlib import PurePath

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from core.tasks import enqueue_with_this_transaction
from imports.known import known_mapping
from imports.mapping import Mapping, suggest_columns
from imports.models import ImportRun, RunStatus, SavedMapping
from imports.permissions import IMPORTER_USERNAME
from imports.reading import RegisterFile, open_register
from usecases.custom_fields.values import active_fields


def importer_account():
    """The author of use cases a command imports when no one is named: an account nobody signs in
    with, so "who wrote this" is never a person who did not."""
    user, _ = get_user_model().objects.get_or_create(
        username=IMPORTER_USERNAME,
        defaults={
            "first_name": "Register",
            "last_name": "import",
            "is_active": False,
            "password": make_password(None),  # unusable: nobody signs in as it
        },
    )
    if user.is_active or user.has_usable_password():  # made before, or changed since: made safe
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["is_active", "password"])
    return user


def read_upload(data: bytes, name: str) -> RegisterFile:
    """The register in ``data``; raises ReadError with a message for the person who gave it."""
    return open_register(io.BytesIO(data), name)


def suggested_mapping(register: RegisterFile) -> Mapping:
    """The mapping a recognised format comes with; for a file of no known format, its columns
    named like a field mapped to it, keyed by its first column, named after the file."""
    if register.format is not None:
        return known_mapping(register.format, register.columns, active_fields())
    columns = suggest_columns(register.columns, active_fields())
    key = next((c for c, target in columns.items() if target == "title"), register.columns[0])
    return Mapping(columns=columns, key=[key], register=PurePath(register.name).stem[:80])


def new_run(*, data: bytes, name: str, register: RegisterFile, actor, team=None) -> ImportRun:
    mapping = suggested_mapping(register)
    return ImportRun.objects.create(
        created_by=actor,
        file_name=name[:255],
        file_size=len(data),
        file_data=data,
        format=register.format.slug if register.format else "",
        team=team,
        mapping=mapping.to_json(),
    )


def queue_run(run: ImportRun) -> None:
    """Queue ``run`` for the task worker, in the caller's transaction."""
    from imports.tasks import run_import  # the task module imports this one's callers

    with transaction.atomic():
        ImportRun.objects.filter(pk=run.pk).update(
            status=RunStatus.QUEUED, queued_at=timezone.now()
        )
        enqueue_with_this_transaction(run_import, run.pk)


def summary(read: int, counts: dict[str, int]) -> str:
    return (
        f"read {read}, created {counts['created']}, updated {counts['updated']}, "
        f"unchanged {counts['unchanged']}, skipped {counts['skipped']}, failed {counts['failed']}"
    )


def mapping_save(name: str, mapping: Mapping, actor) -> SavedMapping:
    """Keep ``mapping`` under ``name`` (replacing a mapping of that name) for the next release."""
    saved, _ = SavedMapping.objects.update_or_create(
        name=name,
        defaults={"format": mapping.format, "mapping": mapping.to_json()},
        create_defaults={  # whoever saved it first keeps it
            "format": mapping.format,
            "mapping": mapping.to_json(),
            "created_by": actor,
        },
    )
    return saved


def discard_run(run: ImportRun) -> bool:
    """Delete ``run`` and its file if it was never started; whether it was."""
    deleted, _ = ImportRun.objects.filter(pk=run.pk, status=RunStatus.MAPPING).delete()
    return bool(deleted)
