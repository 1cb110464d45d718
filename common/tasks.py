"""Queue a Celery task by the name it is registered under.

A service queues its own app's task after commit, and the task runs that
service: if the service imported the task module, the two would import each
other. The service names the task instead, as the beat schedule does; each
app's AppConfig.ready imports its tasks module, so the task is registered in
every process (web, worker, tests) and runs eagerly where
CELERY_TASK_ALWAYS_EAGER says so. An unknown name raises KeyError at once."""

from typing import Any

from celery import current_app


def enqueue(name: str, *args: Any, queue: str = "") -> Any:
    task = current_app.tasks[name]
    if queue:
        return task.apply_async(args, queue=queue)
    return task.delay(*args)
