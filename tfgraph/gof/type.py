"""``theano.gof.type``: the types of variables. Tensors have ``TensorType``
(``Type`` here, as tfgraph's only type of values that graphs compute);
``Generic`` holds any Python object, for ops that take one as a parameter."""
from tfgraph.graph import TensorType, Variable
from tfgraph.persist import pickle_by_name

Type = PureType = TensorType


class SingletonType:
    """A type with one instance: all are equal."""

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))

    def __str__(self):
        return type(self).__name__

    __repr__ = __str__

    def __call__(self, name=None):
        return Variable(self, name=name)

    make_variable = __call__   # Theano's name for it

class Generic(SingletonType):
    """The type of a variable holding any Python object (Theano's
    ``generic``): its values pass unchanged."""
    ndim = None
    dtype = None

    def filter(self, data, strict=False, allow_downcast=None):
        return data

    def is_valid_value(self, a):
        return True

    def __str__(self):
        return "generic"


generic = pickle_by_name(Generic(), __name__, "generic")
