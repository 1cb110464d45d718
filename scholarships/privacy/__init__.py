"""This programme's side of the shared registry, registered with
registry.programmes when the app is ready: who sees which persons (scope),
its records about a person (records), what a subject-access export holds
(subject), and what the retention schedule anonymises (retention)."""


def register() -> None:
    from . import records, retention, scope, subject

    for module in (scope, records, subject, retention):
        module.register()
