"""How much of Theano 1.0's public API tfgraph provides.

Reads tools/theano_api.txt (Theano's public names by module, with the reason
for each name left out on purpose), imports the matching tfgraph module
(``theano.tensor.nnet`` -> ``tfgraph.tensor.nnet``) and prints, per name,

- ``tested``: tfgraph has it and a test under tests/ uses the name;
- ``present``: tfgraph has it, no test names it;
- ``missing``: tfgraph lacks it;
- ``left out``: deliberately not provided, with the reason;

then a summary line::

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
STATUSES = ("tested", "present", "missing", "left out")


def read_api(path=DATA):
    """[(module, name, reason or '')] from the data file."""
    entries, module = [], None
    with open(path) as data:
        for line in data:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("[") and line.endswith("]"):
                module = line[1:-1]
                continue
            name, _, reason = line.partition(" -- ")
            entries.append((module, name.strip(), reason.strip()))
    return entries


def tfgraph_module(theano_module):
    """The tfgraph module standing for ``theano_module``, or None if absent."""
    name = "tfgraph" + theano_module[len("theano"):]
    try:
        return importlib.import_module(name)
    except ImportError:
        # A submodule may exist only as an attribute (tfgraph.tensor.nlinalg).
        parent, _, child = name.rpartition(".")
        try:
            return getattr(importlib.import_module(parent), child, None)
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


def classify(entries, words):
    """[(module, name, status, reason)]."""
    modules, rows = {}, []
    for module, name, reason in entries:
        if module not in modules:
            modules[module] = tfgraph_module(module)
        found = modules[module] is not None and hasattr(modules[module], name)
        if found:
            status = "tested" if name in words else "present"
        elif reason:
            status = "left out"
        else:
            status = "missing"
            reason = "" if modules[module] is not None else f"no module {module}"
        rows.append((module, name, status, reason))
    return rows


def summary(rows):
    counts = collections.Counter(status for _, _, status, _ in rows)
    wanted = len(rows) - counts["left out"]
    covered = counts["tested"] + counts["present"]
    return (f"Theano 1.0 API coverage: {len(rows)} names, {counts['left out']} left out on "
            f"purpose; of the other {wanted}: {covered} present ({covered * 100 // max(wanted, 1)}%), "
            f"{counts['tested']} of them tested, {counts['missing']} missing")


def module_summaries(rows):
    per = collections.defaultdict(collections.Counter)
    for module, _, status, _ in rows:
        per[module][status] += 1
    lines = []
    for module, counts in per.items():
        parts = ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s])
        lines.append(f"  {module:38s} {parts}")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--missing", action="store_true", help="list only missing names")
    parser.add_argument("--summary", action="store_true", help="print only the summaries")
    args = parser.parse_args(argv)
    sys.path.insert(0, ROOT)
    rows = classify(read_api(), test_words())
    if not args.summary:
        for module, name, status, reason in rows:
            if args.missing and status != "missing":
                continue
            print(f"{module + '.' + name:62s} {status:9s} {reason}")
        print()
    print("\n".join(module_summaries(rows)))
    print(summary(rows))


if __name__ == "__main__":
    main()
