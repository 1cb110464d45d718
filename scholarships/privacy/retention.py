"""See the package docstring."""


def register() -> None:
    """Filled in by the retention work of issue 10."""
