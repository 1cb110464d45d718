"""The scholarships report (figures per academic year and call), the data set
of applications that may be exported in the background and the section of
the donor's yearly report (registered with reporting when it starts)."""

from .exports import register
from .list_exports import register as register_list_exports
from .yearly import register_section

register()
register_list_exports()
register_section()
