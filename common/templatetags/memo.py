"""{% memo a b ... %}...{% endmemo %}: a block rendered once per process for
each language and each value of the variables named, then reused.

For the parts of the base layout every page draws the same for everyone of a
kind, such as the menu (the user's roles decide it): a few dozen {% url %}
and {% translate %} on every request, for a result that changes with the
roles and the language only. Unlike {% cache %}, no round trip to the cache
server and nothing to expire: the markup only changes with a deployment,
which starts new processes. Every variable the block reads must be named."""

from django import template
from django.utils.translation import get_language

register = template.Library()

# Kinds of users times languages: a handful. The bound keeps a mistake (a
# variable that differs for each user named in the key) from growing memory.
MAX_VARIANTS = 256


def _hashable(value):
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(value)
    return value


class MemoNode(template.Node):
    def __init__(self, nodelist, vary):
        self.nodelist = nodelist
        self.vary = vary
        self.rendered = {}

    def render(self, context):
        key = (get_language(), *(_hashable(v.resolve(context)) for v in self.vary))
        html = self.rendered.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if len(self.rendered) < MAX_VARIANTS:
                self.rendered[key] = html
        return html


@register.tag("memo")
def do_memo(parser, token):
    vary = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(nodelist, vary)
