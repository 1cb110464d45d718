"""{% fast_result_list cl %}: the admin's {% result_list cl %} with the rows
written by common.admin_list.RowWriter (templates/admin/fast_change_list.html)."""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from common.admin_list import fast_result_list

register = template.Library()


@register.tag(name="fast_result_list")
def fast_result_list_tag(parser, token):
    return InclusionAdminNode(parser, token, func=fast_result_list,
                              template_name="fast_change_list_results.html",
                              takes_context=False)
