"""A pytest plugin that installs the ``theano`` alias before any conftest or
test module is imported: ``python -m pytest -p tfgraph.pytest_alias tests/``
runs a Theano-era test suite on tfgraph, unmodified."""
import tfgraph

# At import: ``-p`` plugins are imported before the first conftest.py, which
# may import the library (and so theano) itself.
tfgraph.install_theano_alias()
