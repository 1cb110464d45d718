from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations"

    def ready(self):
        from celery.signals import before_task_publish, task_postrun, task_prerun

        connect_request_id(before_task_publish, task_prerun, task_postrun)


REQUEST_ID_HEADER = "request_id"


def connect_request_id(before_task_publish, task_prerun, task_postrun):
    """A task queued during a request logs that request's id. django-guid's own
    Celery integration gives a task run in-process (CELERY_TASK_ALWAYS_EAGER,
    the tests) an id of its own and then clears the request's, so the rest of
    the request would log none: these three handlers leave an in-process task
    alone."""
    from django_guid import clear_guid, get_guid, set_guid
    from django_guid.utils import generate_guid

    def carry(headers=None, **kwargs):
        request_id = get_guid()
        if request_id and headers is not None:
            headers[REQUEST_ID_HEADER] = request_id

    def take(task=None, **kwargs):
        if task is None or task.request.is_eager:
            return
        set_guid(task.request.get(REQUEST_ID_HEADER) or generate_guid())

    def drop(task=None, **kwargs):
        if task is not None and not task.request.is_eager:
            clear_guid()

    before_task_publish.connect(carry, weak=False, dispatch_uid="ops.request_id.carry")
    task_prerun.connect(take, weak=False, dispatch_uid="ops.request_id.take")
    task_postrun.connect(drop, weak=False, dispatch_uid="ops.request_id.drop")
