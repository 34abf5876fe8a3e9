"""``theano.compile.function_module``: ``Function``, the compiled function,
and the errors ``function`` raises about its inputs."""
from tfgraph.compile.function import Function, UnusedInputError  # noqa: F401
from tfgraph.gof.fg import MissingInputError  # noqa: F401
