"""The import graph of the app code, read from the source (every import, inside functions too).

`python -m tests.layout.graph` prints each module's imports of app modules, then any cycle and any
import of moderation from forum; `--check` prints only those, and fails if there is one.
"""
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("forum", "moderation")
TOP_MODULES = ("wsgi", "worker")


def app_modules():
    """{module name: path} of the app code."""
    modules = {name: ROOT / f"{name}.py" for name in TOP_MODULES}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _resolve(module, path, node, modules):
    """The app modules an import statement names: `from a import b` names a.b if it is a module, else a."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    base = ".".join(filter(None, (package if node.level else "", node.module or "")))
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]


def imports():
    """{module: set of app modules it imports}."""
    modules = app_modules()
    graph = {}
    for module, path in modules.items():
        reached = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                reached.update(name for name in _resolve(module, path, node, modules) if name in modules)
        reached.discard(module)
        graph[module] = reached
    return graph


def cycles(graph):
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def upward(graph):
    """Imports of moderation from the forum: (importer, imported)."""
    return sorted((module, target) for module, targets in graph.items() if module.split(".")[0] == "forum"
                  for target in targets if target.split(".")[0] == "moderation")


if __name__ == "__main__":
    graph = imports()
    if "--check" not in sys.argv:
        for module in sorted(graph):
            print(f"{module} -> {', '.join(sorted(graph[module])) or '-'}")
    found, wrong_way = cycles(graph), upward(graph)
    print(f"{len(graph)} modules, {sum(map(len, graph.values()))} imports; cycles: {found or 'none'}; "
          f"forum -> moderation: {wrong_way or 'none'}")
    sys.exit(1 if found or wrong_way else 0)
