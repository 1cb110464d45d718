"""The reintegration report and its section of the donor's yearly report
(registered with reporting.yearly when the reporting app starts)."""

from .yearly import register_section

register_section()
