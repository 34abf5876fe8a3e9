"""Run unmodified Theano code on tfgraph:

    python -m tfgraph.run script.py [args]      # or: tfgraph-run script.py [args]
    python -m tfgraph.run -m package.module [args]

runs the script (or module) as ``__main__`` with the ``theano`` alias
installed (tfgraph/theano_alias.py). Kept apart from the alias itself so that
``import tfgraph`` does not import this module before ``-m`` runs it.
"""
import os
import runpy
import sys

from tfgraph.theano_alias import AliasError, install_theano_alias, unsupported_message  # noqa: F401


def main(argv=None):
    """``python -m tfgraph.run script.py [args]``: run a script (or, with
    ``-m module``, a module) with the alias installed."""
    argv = list(sys.argv[1:] if argv is None else argv)
    usage = "usage: python -m tfgraph.run script.py [args]  |  python -m tfgraph.run -m module [args]"
    if not argv or argv[0] in ("-h", "--help"):
        print(usage + "\n\nRuns Theano code with `import theano` resolving to tfgraph.")
        return 0 if argv else 2
    try:
        install_theano_alias()
    except AliasError as error:
        print(f"tfgraph.run: {error}", file=sys.stderr)
        return 1
    if argv[0] == "-m":
        if len(argv) < 2:
            print(usage, file=sys.stderr)
            return 2
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return 0
    script = argv[0]
    if not os.path.exists(script):
        print(f"tfgraph.run: no such script: {script}", file=sys.stderr)
        return 2
    sys.argv = argv
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")
    return 0


def console():
    """Entry point of the ``tfgraph-run`` console script."""
    sys.exit(main())


if __name__ == "__main__":
    console()
