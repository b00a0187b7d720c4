"""Reading a submission's own code for tampering: what the grader must flag for the instructor.

Student code runs in the grading kernel before the tests, so some attacks (monkeypatching
torch, hijacking the IPython shell, faking objects) cannot be fully stopped in-process.
This module finds them in the source instead, with Python's ``ast``: every code cell the
student could edit is parsed (after IPython's own magic transformation) and each
suspicious construct becomes a short flag such as ``"patches torch.equal (cell 5, line 2)"``.
Honest code (printing, warnings, ``isinstance``, ``is``, helper imports) raises no flag.
"""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

ALLOWED_MAGICS = {"matplotlib", "time", "timeit", "load_ext", "autoreload", "config"}
SHELL_HOOKS = {"excepthook", "displayhook", "showtraceback", "showsyntaxerror", "run_cell", "run_cell_async",
               "run_code", "run_ast_nodes", "events", "set_custom_exc", "ast_transformers", "input_transformers_post",
               "_showtraceback", "get_exception_only", "input_transformers_cleanup", "input_transformer_manager",
               "set_hook", "register_magic_function", "register_magics", "display_pub", "display_formatter",
               "payload_manager", "history_manager", "user_ns", "user_global_ns", "extension_manager"}
# modules reached as an attribute of another one (torch.sys, numpy.os): a way around an import the scan would flag
REACHED_MODULES = {"sys", "os", "builtins", "gc", "inspect", "ctypes", "importlib", "subprocess", "signal",
                   "threading", "socket", "posix", "shutil", "pty", "multiprocessing", "_thread"}
DANGEROUS_NAMES = {
    "exec": "runs dynamic code", "eval": "runs dynamic code", "compile": "runs dynamic code",
    "__import__": "imports dynamically", "globals": "rewrites globals", "vars": "reads namespaces",
    "exit": "exits the kernel", "quit": "exits the kernel", "__builtins__": "touches builtins",
}
DANGEROUS_MODULES = {
    "gc": "walks live objects", "inspect": "inspects the grader", "ctypes": "uses ctypes",
    "importlib": "imports dynamically", "subprocess": "starts processes", "signal": "handles signals",
    "threading": "starts threads", "multiprocessing": "starts processes", "shutil": "manipulates files",
    "builtins": "touches builtins", "IPython": "uses the IPython shell", "course_checks": "imports the grader's checks",
    "grading": "imports the grader", "socket": "opens sockets", "resource": "changes resource limits",
    "sqlite3": "opens databases", "pkgutil": "resolves objects by name", "traceback": "walks frames",
    "types": "builds functions or modules", "pty": "starts processes", "_thread": "starts threads",
    "posix": "uses the OS directly",
}
DANGEROUS_ATTRIBUTES = {
    ("os", "_exit"): "exits the kernel", ("sys", "exit"): "exits the kernel", ("os", "kill"): "sends signals",
    ("os", "system"): "runs shell commands", ("os", "remove"): "deletes files", ("os", "unlink"): "deletes files",
    ("os", "rename"): "moves files", ("os", "replace"): "moves files", ("os", "chdir"): "changes directory",
    ("os", "fork"): "forks the kernel", ("os", "forkpty"): "forks the kernel",
    ("os", "environ"): "reads the environment", ("os", "setsid"): "detaches processes",
    ("os", "setpgrp"): "detaches processes", ("os", "setpgid"): "detaches processes", ("os", "symlink"): "makes links",
    ("os", "link"): "makes links", ("os", "mkfifo"): "makes special files", ("os", "mknod"): "makes special files",
    ("os", "chmod"): "changes permissions", ("os", "chown"): "changes owners", ("os", "truncate"): "truncates files",
    ("os", "posix_spawn"): "starts processes", ("os", "popen"): "runs shell commands",
    ("os", "execv"): "replaces the kernel", ("os", "execve"): "replaces the kernel",
    ("os", "execvp"): "replaces the kernel", ("os", "execvpe"): "replaces the kernel",
    ("os", "execl"): "replaces the kernel", ("os", "execlp"): "replaces the kernel",
    ("os", "register_at_fork"): "hooks forks", ("os", "getenv"): "reads the environment",
    ("os", "environb"): "reads the environment", ("sys", "modules"): "edits modules",
    ("sys", "_getframe"): "inspects frames", ("sys", "settrace"): "traces the grader",
    ("sys", "setprofile"): "traces the grader", ("sys", "stdout"): "redirects output",
    ("sys", "stderr"): "redirects output", ("operator", "attrgetter"): "reads attributes by name",
    ("operator", "methodcaller"): "calls methods by name",
}
FAKE_DUNDERS = {"__eq__", "__ne__", "__bool__", "__hash__", "__instancecheck__", "__subclasscheck__", "__class__",
                "__getattribute__", "__len__", "__iter__", "__contains__", "__float__", "__int__", "__index__"}
FAKE_BASES = {"bool", "int", "float", "str", "dict", "set", "frozenset", "tuple", "list", "Tensor", "Parameter", "Size",
              "type", "OrderedDict", "defaultdict"}


def code_cells(nb: nbformat.NotebookNode, release: nbformat.NotebookNode) -> list[tuple[int, str, bool]]:
    """(cell number, source, editable) of every code cell. Only a cell whose source is that of a read-only
    code cell of the release is release code, not the student's: what a submission's own metadata says
    (``"locked": true`` written by hand) is never trusted."""
    theirs = {cell.source for cell in release.cells
              if cell.cell_type == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("locked", False)}
    return [(number, cell.source, cell.source not in theirs)
            for number, cell in enumerate(nb.cells, start=1) if cell.cell_type == "code"]


class Scanner(ast.NodeVisitor):
    """Collect flags for one cell; knows which names the student bound to imported modules."""

    def __init__(self, cell: int, modules: dict[str, str]) -> None:
        self.cell = cell
        self.modules = modules  # local name -> imported module path, shared across cells
        self.defined: set[str] = set()
        self.flags: list[str] = []

    def flag(self, what: str, node: ast.AST) -> None:
        self.flags.append(f"{what} (cell {self.cell}, line {getattr(node, 'lineno', '?')})")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            top = alias.name.split(".")[0]
            self.modules[alias.asname or top] = alias.name if alias.asname else top
            self.check_module(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self.check_module(module, node)
        for alias in node.names:
            self.modules[alias.asname or alias.name] = f"{module}.{alias.name}"
            self.check_module(f"{module}.{alias.name}", node)
            if (module.split(".")[0], alias.name) in DANGEROUS_ATTRIBUTES:
                self.flag(f"{DANGEROUS_ATTRIBUTES[(module.split('.')[0], alias.name)]}: {module}.{alias.name}", node)

    def check_module(self, name: str, node: ast.AST) -> None:
        root = name.split(".")[0]
        if root in DANGEROUS_MODULES:
            self.flag(f"{DANGEROUS_MODULES[root]}: imports {name}", node)

    def origin(self, node: ast.expr) -> str | None:
        """Dotted path of an expression rooted at an imported name (torch.Tensor.std), else None."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id in self.modules and node.id not in self.defined:
            return ".".join([self.modules[node.id], *reversed(parts)])
        return None

    def check_target(self, target: ast.expr, node: ast.AST) -> None:
        """Assigning into something imported is a monkeypatch."""
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.check_target(element, node)
        elif isinstance(target, ast.Attribute):
            path = self.origin(target)
            if path is not None:
                self.flag(f"patches {path}", node)
            elif target.attr in SHELL_HOOKS:
                self.flag(f"hijacks the shell: sets .{target.attr}", node)
        elif isinstance(target, ast.Subscript):
            path = self.origin(target.value)
            if path is not None:
                self.flag(f"patches {path}[...]", node)
        elif isinstance(target, ast.Name):
            self.defined.add(target.id)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self.check_target(target, node)
        alias = self.origin(node.value)
        if alias is not None:  # `sp = scipy.stats._stats_py`: sp.x = ... patches scipy too
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.defined.discard(target.id)
                    self.modules[target.id] = alias
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.check_target(node.target, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.check_target(node.target, node)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self.check_target(target, node)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.defined.add(node.name)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.defined.add(node.name)
        for base in node.bases:
            name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
            if name in FAKE_BASES:
                self.flag(f"fakes a built-in type: class {node.name}({name})", node)
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name in FAKE_DUNDERS:
                self.flag(f"fakes comparisons or types: {node.name}.{item.name}", item)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in DANGEROUS_NAMES and node.id not in self.defined:
            self.flag(f"{DANGEROUS_NAMES[node.id]}: {node.id}", node)
        if node.id == "get_ipython":
            self.flag("uses the IPython shell: get_ipython", node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):  # assignments are judged by check_target
            self.generic_visit(node)
            return
        path = self.origin(node)
        if path is not None:
            root, _, rest = path.partition(".")
            if (root, rest) in DANGEROUS_ATTRIBUTES:
                self.flag(f"{DANGEROUS_ATTRIBUTES[(root, rest)]}: {path}", node)
            self.check_reached(path, node)
        if node.attr in SHELL_HOOKS or node.attr in {"__globals__", "__code__", "__closure__", "__dict__",
                                                     "__subclasses__", "__bases__", "__mro__", "mro", "f_globals",
                                                     "f_locals", "f_back"}:
            self.flag(f"reaches into internals: .{node.attr}", node)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        magic = self.magic(node)
        if magic is not None:
            if magic:
                self.flag(magic, node)
            return
        if isinstance(node.func, ast.Name) and node.func.id in ("setattr", "delattr", "getattr") and node.args:
            path = self.origin(node.args[0])
            second = node.args[1] if len(node.args) > 1 else None
            named = second.value if isinstance(second, ast.Constant) and isinstance(second.value, str) else None
            name = "..." if named is None else named
            if path is not None and node.func.id != "getattr":
                self.flag(f"patches {path}.{name} with {node.func.id}", node)
            elif path is not None and named is None and second is not None:
                self.flag(f"reaches into a module by a computed name: {node.func.id}({path}, ...)", node)
            elif (named is not None and (named.startswith("__") or named in SHELL_HOOKS)) or (
                    second is not None and named is None and self.hides_underscore(second)):
                self.flag(f"reaches a special attribute by name: {node.func.id}(..., {name!r})", node)
            elif path is not None and named is not None:
                self.check_reached(f"{path}.{name}", node)
        callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if callee in ("display", "publish_display_data", "update_display", "publish") and any(
                k.arg in ("metadata", "transient") for k in node.keywords):
            self.flag(f"publishes output with metadata: {callee}(..., metadata=...)", node)
        if isinstance(node.func, ast.Name) and node.func.id == "open":
            self.flag("opens files", node)
        if isinstance(node.func, ast.Attribute) and node.func.attr in {"write_text", "write_bytes", "unlink",
                                                                       "rmdir", "rename", "touch", "symlink_to",
                                                                       "hardlink_to", "link_to", "chmod", "replace"}:
            self.flag(f"touches files: .{node.func.attr}()", node)
        self.generic_visit(node)

    def check_reached(self, path: str, node: ast.AST) -> None:
        """Flag a sensitive module reached as an attribute of another module (``torch.sys.modules``)."""
        parts = path.split(".")
        reached = next((part for part in parts[1:] if part in REACHED_MODULES), None)
        if reached is not None and parts[0] != reached:
            self.flag(f"reaches {reached} through another module: {path}", node)

    @staticmethod
    def hides_underscore(name: ast.expr) -> bool:
        """A computed attribute name built from pieces with leading or trailing underscores ('__co' + 'de__')."""
        return any(isinstance(part, ast.Constant) and isinstance(part.value, str)
                   and "_" in part.value[:1] + part.value[-1:] for part in ast.walk(name))

    @staticmethod
    def magic(node: ast.Call) -> str | None:
        """For IPython's own rewriting of %magic and !shell lines: '' if harmless, a flag if not; else None."""
        func = node.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
                and isinstance(func.value.func, ast.Name) and func.value.func.id == "get_ipython"):
            return None
        first = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
        if func.attr in ("run_line_magic", "run_cell_magic") and isinstance(first, str):
            return "" if first in ALLOWED_MAGICS else f"runs the magic %{first}"
        if func.attr in ("system", "getoutput"):
            return "runs shell commands"
        return None


def transform(source: str) -> str:
    """Python source of a cell, with IPython magics and shell escapes turned into calls."""
    return TransformerManager().transform_cell(source)


def scan_source(cells: list[tuple[int, str]] | list[tuple[int, str, bool]]) -> list[str]:
    """Flags for (cell number, source[, editable]) in order; locked cells only teach which names are modules."""
    modules: dict[str, str] = {}
    flags: list[str] = []
    for number, source, *editable in cells:
        try:
            tree = ast.parse(transform(source))
        except (SyntaxError, RecursionError, MemoryError, ValueError):
            continue  # Python cannot compile it either: it only fails that cell; nothing to flag
        scanner = Scanner(number, modules)
        try:
            scanner.visit(tree)
        except RecursionError:  # compiles, but nested deeper than a scan goes: whatever hides in it is unseen
            scanner.flags.append(f"cell {number}: code nested too deeply to be read by the scan")
        if not editable or editable[0]:
            flags.extend(scanner.flags)
    return flags


def scan_notebook(path: Path, release: Path) -> list[str]:
    """Flags for a submitted notebook file, judged against its release notebook (an unreadable file yields
    no flags: it is graded as broken)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:
        return []
    return scan_source(code_cells(nb, nbformat.read(release, as_version=4)))
