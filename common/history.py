"""The reason django-simple-history records with the next save of a record.

simple-history reads it from the instance attribute `_change_reason`, which no
model declares; setting it here keeps that attribute in one place and typed."""

from django.db.models import Model


def set_change_reason(instance: Model, reason: str) -> None:
    """Record `reason` with the next save of `instance` in its history."""
    setattr(instance, "_change_reason", reason)  # noqa: B010 (undeclared on the model)
