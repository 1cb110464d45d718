"""See the package docstring."""


def register() -> None:
    """Filled in by the records work of issue 10."""
