"""The layout the README describes: which app may import which, and no import cycles."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("reform", "metrics", "measures", "staff", "reports", "api", "accounts", "demo")
# What each app may import from the others (its own modules always).
MAY_IMPORT = {
    "reform": set(),
    "metrics": {"reform", "api"},
    "measures": {"reform", "metrics", "api"},
    "staff": {"reform", "metrics", "api"},
    "reports": {"reform", "metrics", "measures", "api"},
    "api": {"reform"},
    "accounts": {"reform", "metrics"},
    "demo": {"reform", "metrics", "measures", "staff"},
}


def modules():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            yield name, path


def imports_of(path: Path, *, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in APPS}


def test_each_app_imports_only_what_the_layout_allows():
    wrong = []
    for name, path in modules():
        app = name.split(".")[0]
        if name in ("reform.urls", "reform.celery", "reform.settings", "reform.context_processors"):
            continue  # the project's wiring names every app
        for imported in imports_of(path, top_level_only=False):
            other = imported.split(".")[0]
            if other != app and other not in MAY_IMPORT[app]:
                wrong.append(f"{name} imports {imported}")
    assert wrong == []


def test_no_import_cycles_between_modules():
    known = dict(modules())
    graph = {
        name: {m for m in imports_of(path, top_level_only=True) if m in known and m != name}
        for name, path in known.items()
    }
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = "done"

    for node in graph:
        if node not in state:
            visit(node, [node])
    # A package's __init__ re-exporting its own modules is not a cycle of code.
    cycles = [c for c in cycles if not all(m.startswith(c[0]) or c[0].startswith(m) for m in c)]
    assert cycles == []
