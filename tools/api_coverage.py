"""How much of Theano 1.0's public API tfgraph provides, module by module.

Reads tools/theano_api.txt (every module of Theano 1.0.5 and the public names
each defines, with the reason for each module or name left out on purpose),
imports the matching tfgraph module (``theano.tensor.nnet.sigm`` ->
``tfgraph.tensor.nnet.sigm``, which the ``theano`` alias serves under
Theano's name) and prints, per name,

- ``tested``: tfgraph has it and a test under tests/ uses the name;
- ``present``: tfgraph has it, no test names it;
- ``missing``: tfgraph lacks it (``in progress`` where its module is being
  written: ``IN_PROGRESS``);
- ``left out``: deliberately not provided, with the reason;

and a name a package imports from one of its modules (``@ module`` in the
data) must be the same object in both (``theano.tensor.dot is
theano.tensor.basic.dot``), else it is listed as ``differs``. Then the
summary lines::

    python tools/api_coverage.py              # every name, then the summary
    python tools/api_coverage.py --missing    # only the missing names
    python tools/api_coverage.py --summary    # only the summary lines
"""
import argparse
import collections
import importlib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(HERE, "theano_api.txt")
STATUSES = ("tested", "present", "missing", "in progress", "left out")
# Modules being written now, and names of Theano's op classes being written with
# them (the reductions, the scalar ops of nnet), counted apart from the missing.
IN_PROGRESS = ("theano.scalar", "theano.tensor.elemwise", "theano.tensor.subtensor",
               "theano.tensor.inplace")
IN_PROGRESS_NAMES = {
    "theano.tensor.basic": ("Argmax", "MaxAndArgmax", "Mean"),
    "theano.tensor.nnet.sigm": ("ScalarSigmoid", "ScalarSoftplus", "UltraFastScalarSigmoid",
                                "scalar_softplus", "ultra_fast_scalar_sigmoid"),
    "theano.tensor.nnet.nnet": ("ScalarSoftsign", "scalar_softsign"),
}


def read_api(path=DATA):
    """[(module, name, reason or '', origin or '')]; each module is also an
    entry with name '' (and a reason if it is left out whole); ``origin`` is
    the module a package's name comes from."""
    entries, module = [], None
    with open(path) as data:
        for line in data:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                header, _, reason = line.partition(" -- ")
                module = header.strip()[1:-1]
                entries.append((module, "", reason.strip(), ""))
                continue
            name, _, reason = line.partition(" -- ")
            name, _, origin = name.partition(" @ ")
            entries.append((module, name.strip(), reason.strip(), origin.strip()))
    return entries


def tfgraph_module(theano_module):
    """The tfgraph module standing for ``theano_module``, or None if absent."""
    try:
        return importlib.import_module("tfgraph" + theano_module[len("theano"):])
    except ImportError:
        return None


def test_words(tests_dir=os.path.join(ROOT, "tests")):
    """Every identifier that appears in the test files."""
    words = set()
    for folder, _, files in os.walk(tests_dir):
        for file in files:
            if file.endswith(".py"):
                with open(os.path.join(folder, file)) as source:
                    words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", source.read()))
    return words


def _in_progress_module(module, origin):
    return any(where == p or where.startswith(p + ".") for p in IN_PROGRESS
               for where in (module, origin) if where)


def _in_progress_name(module, name, origin):
    return any(name in IN_PROGRESS_NAMES.get(where, ()) for where in (module, origin))


def classify(entries, words):
    """[(module, name, status, reason)]."""
    modules, rows = {}, []
    for module, name, reason, origin in entries:
        for needed in (module, origin):
            if needed and needed not in modules:
                modules[needed] = None if (reason and not name) else tfgraph_module(needed)
        if not name:   # the module itself
            status = "left out" if reason else "present" if modules[module] else \
                "in progress" if _in_progress_module(module, "") else "missing"
            rows.append((module, name, status, reason))
            continue
        found = modules[module] is not None and hasattr(modules[module], name)
        if found:
            status = "tested" if name in words else "present"
            source = modules.get(origin)
            if source is not None and hasattr(source, name) and \
                    getattr(source, name) is not getattr(modules[module], name):
                status, reason = "differs", f"not the object {origin}.{name}"
        elif _in_progress_name(module, name, origin):
            status, reason = "in progress", ""
        elif reason:
            status = "left out"
        else:
            status = "in progress" if _in_progress_module(module, origin) else "missing"
            reason = "" if modules[module] is not None else f"no module {module}"
        rows.append((module, name, status, reason))
    return rows


def summary(rows):
    counts = collections.Counter(status for _, name, status, _ in rows if name)
    modules = collections.Counter(status for _, name, status, _ in rows if not name)
    names = sum(counts.values())
    wanted = names - counts["left out"]
    covered = counts["tested"] + counts["present"]
    return (f"Theano 1.0 API coverage: {sum(modules.values())} modules ({modules['left out']} "
            f"left out whole, {modules['missing']} missing); {names} names in the others, "
            f"{counts['left out']} left out on purpose; "
            f"of the other {wanted}: {covered} present ({covered * 100 // max(wanted, 1)}%), "
            f"{counts['tested']} of them tested, {counts['missing']} missing, "
            f"{counts['differs']} differing from their package's, "
            f"{counts['in progress']} in modules being written")


def module_summaries(rows):
    per = collections.defaultdict(collections.Counter)
    for module, name, status, _ in rows:
        if name or status != "present":
            per[module]["module " + status if not name else status] += 1
    lines = []
    for module, counts in per.items():
        parts = ", ".join(f"{n} {s}" for s, n in counts.items())
        lines.append(f"  {module:44s} {parts}")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--missing", action="store_true",
                        help="list only missing (and differing) names")
    parser.add_argument("--summary", action="store_true", help="print only the summaries")
    args = parser.parse_args(argv)
    sys.path.insert(0, ROOT)
    rows = classify(read_api(), test_words())
    if not args.summary:
        for module, name, status, reason in rows:
            if args.missing and status not in ("missing", "differs"):
                continue
            print(f"{module + ('.' + name if name else ''):62s} {status:9s} {reason}")
        print()
    print("\n".join(module_summaries(rows)))
    print(summary(rows))


if __name__ == "__main__":
    main()
