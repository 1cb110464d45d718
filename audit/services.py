"""Writing to the read log. Pages are recorded by audit.middleware from the
URL they answer; a download or an export that the URL alone does not describe
(how many rows left, which person a file is about) calls record_read, and
sets `request.read_recorded = True` so the middleware does not add a second
row for the same answer."""

from .models import ReadEvent

Action = ReadEvent.Action


def record_read(*, user, action: str, model: str = "", object_id="", person_id=None,
                page: str = "", path: str = "", rows: int | None = None,
                status: int = 200) -> ReadEvent:
    """One row: who read what, now. `user` may be anonymous (a referee's link)."""
    return ReadEvent.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action, model=model, object_id=str(object_id or "")[:40],
        person_id=person_id, page=page[:120], path=path[:500], rows=rows, status=status,
    )
