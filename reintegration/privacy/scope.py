"""See the package docstring."""


def register() -> None:
    """Filled in by the scope work of issue 10."""
