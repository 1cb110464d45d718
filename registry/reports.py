"""What the registry hands to the reporting app when it starts (found by name
by reporting's AppConfig): the person list's export."""

from .list_exports import register

register()
