"""The import order of tfgraph's modules: the graph is built without the
compiler, and no module imports, at its top, one that imports it back."""
import ast
import os

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.ops.base import as_tensor_variable

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tfgraph")


def _module_name(path):
    name = os.path.relpath(path, os.path.dirname(PACKAGE))[:-3].replace(os.sep, ".")
    return name[:-len(".__init__")] if name.endswith(".__init__") else name


def _modules():
    found = {}
    for folder, _, files in os.walk(PACKAGE):
        for file in files:
            if file.endswith(".py"):
                path = os.path.join(folder, file)
                found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(module, top_level_only):
    """The tfgraph modules ``module`` imports (its own statements, not its
    package's), each as the longest module name the statement names."""
    path = MODULES[module]
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    tree = ast.parse(open(path).read())
    statements = tree.body if top_level_only else list(ast.walk(tree))
    names = set()
    for node in statements:
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            names.update(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                         for a in node.names)
    return {_known_prefix(n) for n in names if n.startswith("tfgraph")} - {module, None}


def _known_prefix(name):
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def test_module_level_imports_form_no_cycle():
    # A package's __init__ only gathers names; its submodules are what import.
    graph = {m: {t for t in _imports(m, True) if not MODULES[t].endswith("__init__.py")}
             for m in MODULES if not MODULES[m].endswith("__init__.py")}
    state, stack = {}, []

    def visit(module):
        state[module] = "open"
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                cycle = stack[stack.index(target):] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)


@pytest.mark.parametrize("module, below", [
    ("tfgraph.graph", ("tfgraph.compile", "tfgraph.ops", "tfgraph.test_values",
                       "tfgraph.tensor")),
    ("tfgraph.printing", ("tfgraph.compile",)),
    ("tfgraph.symbolic_grad", ("tfgraph.compile",)),
    ("tfgraph.derivatives", ("tfgraph.compile",)),
    ("tfgraph.ops.base", ("tfgraph.ops.",)),
])
def test_a_module_imports_nothing_above_it(module, below):
    """Anywhere in the module, inside functions too."""
    imported = _imports(module, top_level_only=False)
    assert not [m for m in imported if m.startswith(below)]


def test_the_checks_above_the_import_test_see_its_imports():
    # The test above would pass on a parser that sees nothing.
    assert "tfgraph.compile.function" in _imports("tfgraph.gradient_check", True)
    assert "tfgraph.ops.elemwise" in _imports("tfgraph.ops.shape", True)
    assert "tfgraph.graph" in _imports("tfgraph.ops.base", False)


def test_printing_shows_a_compiled_function_as_compiled():
    """Theano's pp and debugprint of a function print its graph after givens
    and rewrites, with the updates' new values."""
    x, y = T.dvector("x"), T.dvector("y")
    w = theano.shared(np.zeros(2), name="w")
    f = theano.function([x], (y * 2).sum(), givens={y: x + 1}, updates=[(w, w - x)])
    program = f.program
    assert len(program.outputs) == 1 and len(program.updates) == 1
    assert program.updates[0][0] is w
    assert theano.pp(f) == theano.pp(program.outputs[0]) == "sum(((x + TensorConstant{1}) * "\
        "TensorConstant{2}))"
    text = theano.printing.debugprint(f, file="str")
    assert "y" not in text.split() and "x [id" in text and "w [id" in text
    assert text.index("Sum") < text.index("Elemwise{sub")             # outputs, then updates
    assert float(f([1.0, 2.0])) == 10.0


def test_printing_a_list_or_a_variable():
    x = T.dscalar("x")
    text = theano.printing.debugprint([x * 2, x + 1], file="str")
    assert text.startswith("Elemwise{mul,no_inplace} [id A]") and text.count("x [id B]") == 2
    assert theano.printing.debugprint(x * 2, file="str").startswith("Elemwise{mul,no_inplace} [id A]")
    for wrong in (3, [x, 3]):
        with pytest.raises(TypeError, match="expected a variable, a list of variables or a "
                                            "compiled function, got"):
            theano.printing.debugprint(wrong, file="str")


def test_a_list_holding_variables_becomes_one_stacked_tensor():
    x, y = T.dscalar("x"), T.dvector("y")
    v = as_tensor_variable([x, 2.0, x * 3])
    assert v.type == T.dvector().type
    np.testing.assert_array_equal(v.eval({x: 2.0}), [2.0, 2.0, 6.0])
    m = as_tensor_variable([y, y * 2])
    assert m.ndim == 2
    np.testing.assert_array_equal(m.eval({y: [1.0, 2.0]}), [[1.0, 2.0], [2.0, 4.0]])
    assert as_tensor_variable([1, 2]).owner is None           # numbers alone: a constant
    with pytest.raises(TypeError, match="Cannot convert 'a'"):
        as_tensor_variable([x, "a"])
