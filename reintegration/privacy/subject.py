"""See the package docstring."""


def register() -> None:
    """Filled in by the subject work of issue 10."""
