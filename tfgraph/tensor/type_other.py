"""``theano.tensor.type_other``: the None constant and symbolic slices. tfgraph
indexes with Python slices whose bounds may be symbolic (``make_slice``
gives one), so no slice op or slice type appears in its graphs."""
from tfgraph.tensor.basic_extras import (NoneConst, NoneTypeT,  # noqa: F401
                                         as_int_none_variable, make_slice, none_type_t)


class MakeSlice:
    """Theano's op making a symbolic slice: called, it gives the Python slice
    tfgraph indexes with (``make_slice``); no node of it is ever built."""
    __props__ = ()

    def __call__(self, start, stop=None, step=None):
        return make_slice(start, stop, step)

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))

    def __str__(self):
        return "MakeSlice"
