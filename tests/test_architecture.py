"""No import cycle inside any app, function-level imports included (grimp,
the graph import-linter builds, reads every import statement).

The layers contracts in pyproject.toml cover registry, accounts, audit,
reintegration and scholarships; this test covers every app, so a cycle in a
small app cannot slip in either. A service that queues its own app's task
(which runs the service) names it (common.tasks.enqueue) rather than
importing the task module."""

import grimp

APPS = ["config", "registry", "accounts", "audit", "outbox", "ops", "common", "privatemedia",
        "listing", "numbering", "reminders", "scholarships", "reintegration", "reporting"]

def _cycles(graph, app):
    inside = {m for m in graph.modules if (m == app or m.startswith(app + "."))
              and ".tests" not in m and ".migrations" not in m}
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(module):
        index[module] = low[module] = counter[0]
        counter[0] += 1
        stack.append(module)
        on.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in inside:
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = set()
            while True:
                top = stack.pop()
                on.discard(top)
                component.add(top)
                if top == module:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for module in sorted(inside):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_inside_any_app():
    graph = grimp.build_graph(*APPS, include_external_packages=False)
    cycles = [sorted(cycle) for app in APPS for cycle in _cycles(graph, app)]
    assert cycles == []
