"""Write tfgraph/theano_options.py, the table of Theano 1.0.5's configuration
options, from its ``configdefaults.py`` (not needed to use tfgraph)::

    python tools/theano_config_extract.py /path/to/Theano-1.0.5/theano > tfgraph/theano_options.py

Every ``AddConfigVar(name, doc, param, in_c_key=...)`` call becomes one row:
the option's name, its kind (the ``*Param`` class), its default, its allowed
values (``EnumStr``), the check Theano applies (the name of its filter or
validator function, or the text of a ``lambda``'s condition), whether it may
change after start-up (``allow_override``) and ``in_c_key``. A default
Theano computes when it starts (a path, the C++ compiler found) is recorded
as ``Computed(<function or name>)``. tests/theano/test_config_registry.py checks the
committed table against this extraction, so the two cannot drift.
"""
import ast
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # run as a script: tools/ is on the path, not the repository
    sys.path.insert(0, ROOT)
from tfgraph.configparser import Computed  # noqa: E402

KINDS = {"EnumStr": "enum", "BoolParam": "bool", "IntParam": "int", "FloatParam": "float",
         "StrParam": "str", "ConfigParam": "any", "DeviceParam": "device",
         "ContextsParam": "contexts"}


def _tuples(tree):
    """Module-level names bound to tuples of strings (the dnn algorithm lists)."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                found[node.targets[0].id] = _literal(node.value, found)
            except ValueError:
                pass
    return found


def _literal(node, names):
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal(node.left, names) + _literal(node.right, names)
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):  # 60 * 60 * 24 * 24
        return _literal(node.left, names) * _literal(node.right, names)
    return ast.literal_eval(node)


def _warn_default(version, ignore_bug_before="0.9"):
    """Theano's warn.* defaults: warn about bugs fixed after ``ignore_bug_before``."""
    split = lambda text: tuple(int(part) for part in text.split("."))  # noqa: E731
    return split(ignore_bug_before) < split(version)


def _value(node, names):
    """A literal, a warn_default(...) call, or Computed(...)."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "warn_default":
        return _warn_default(node.args[0].value)
    try:
        return _literal(node, {})
    except ValueError:
        return Computed(ast.unparse(node))


def _check(node):
    """The name of a filter/validator function, or a lambda's text."""
    return None if node is None else ast.unparse(node)


def _row(call, names):
    name = call.args[0].value
    param = call.args[2]
    in_c_key = next((k.value.value for k in call.keywords if k.arg == "in_c_key"), True)
    kind = KINDS[param.func.attr if isinstance(param.func, ast.Attribute) else param.func.id]
    kw = {k.arg: k.value for k in param.keywords}
    args = param.args
    allow_override = _literal(kw["allow_override"], names) if "allow_override" in kw else True
    values, check = None, None
    if kind == "enum":
        flat = []
        for arg in args:
            flat += list(names[arg.value.id]) if isinstance(arg, ast.Starred) else [arg.value]
        default, values = flat[0], tuple(flat)
        check = _check(kw.get("convert"))
    elif kind == "contexts":
        default = ""
    else:
        default = _value(args[0] if args else kw["default"], names)
        check = _check(args[1] if len(args) > 1 else kw.get("is_valid", kw.get("filter")))
    return (name, kind, default, values, check, allow_override, in_c_key)


def extract(theano_dir):
    """[row] for each option, in the order Theano registers them. ``linker``,
    registered twice (with a C++ compiler found or not), takes the default
    Theano gives it without one, as tfgraph compiles no C++, and the values
    of both."""
    with open(os.path.join(theano_dir, "configdefaults.py")) as source:
        tree = ast.parse(source.read())
    names = _tuples(tree)
    rows = {}
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and getattr(node.func, "id", "") == "AddConfigVar"]
    for call in sorted(calls, key=lambda node: node.lineno):
        row = _row(call, names)
        earlier = rows.pop(row[0], None)
        if earlier is not None:
            values = earlier[3] + tuple(v for v in row[3] if v not in earlier[3])
            row = row[:3] + (values,) + row[4:]
        rows[row[0]] = row
    return list(rows.values())


def main(theano_dir):
    print('"""Theano 1.0.5\'s configuration options, one row each, as its')
    print("configdefaults.py registers them: (name, kind, default, allowed values, Theano's")
    print("check, allow_override, in_c_key). Written by tools/theano_config_extract.py;")
    print("tests/theano/test_config_registry.py checks it against the sdist. tfgraph/configdefaults.py")
    print('registers them."""')
    print("from tfgraph.configparser import Computed\n")
    print("OPTIONS = (")
    for row in extract(theano_dir):
        print(f"    {row!r},")
    print(")")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/theano_config_extract.py /path/to/Theano-1.0.5/theano")
    main(sys.argv[1])
