"""The reintegration report, its section of the donor's yearly report and the
exports of the case lists (registered with reporting when it starts)."""

from .list_exports import register as register_list_exports
from .yearly import register_section

register_section()
register_list_exports()
