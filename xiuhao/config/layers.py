"""The layers of Xiuhao, bottom first: a package may import the packages of lower layers only —
never one of its own layer, never one above it (function-level imports included; tests and
migrations excepted). core/tests/test_layers.py checks every import against this list.

What a lower layer needs from a higher one it gets through core's registry (core.contributions):
menu items, phone tabs, the bell, message kinds, field widgets and filters of shared types, ports
(e.g. org provides the department tree and the IP allow-list to core's data scope and API sign-in),
demo roles and steps; page and API URLs are each app's `urls` / `api_urls` module by convention.
"""

LAYERS = [
    ("core", "dispatch"),  # the platform, and the route optimiser (a library that imports nothing of ours)
    ("org",),  # organisation, users and roles, regions
    ("customers", "catalog"),
    ("assets",),  # the installed base: devices of catalogue models at customers' sites
    ("contracts",),
    ("tasks",),  # the Task Centre: to-dos, the grab pool, the boards
    ("workflow", "sla"),  # BPMN processes create tasks; SLA clocks attach to tasks through a hook
    ("messages", "integrations"),  # inbox and announcements (approved by a process); outside channels
]

def layer_of(package):
    for n, layer in enumerate(LAYERS):
        if package in layer:
            return n
    return None
