"""``theano.tensor.elemwise``: the elementwise op, the reductions and
DimShuffle, the same classes as the graphs ``theano.tensor`` builds hold
(``isinstance(T.exp(x).owner.op, Elemwise)``)."""
import numpy as np

from tfgraph.graph import Constant as TensorConstant  # noqa: F401
from tfgraph.graph import TensorType, TensorVariable  # noqa: F401
from tfgraph.ops.base import as_tensor_variable  # noqa: F401
from tfgraph.ops.elemwise import Elemwise  # noqa: F401
from tfgraph.ops.reduce import (All, Any, CAReduce, CAReduceDtype, Prod,  # noqa: F401
                                ProdWithoutZeros, Sum)
from tfgraph.ops.shape import DimShuffle  # noqa: F401
from tfgraph import scalar  # noqa: F401
from tfgraph.config import config  # noqa: F401
from tfgraph._tf import tf


class MulWithoutZeros(scalar.BinaryScalarOp):
    """Multiplication where a zero counts as one (the scalar op of
    ``ProdWithoutZeros``)."""

    default_rule = staticmethod(scalar.upcast_out)

    @staticmethod
    def lowering(x, y):
        return tf.where(tf.equal(x, 0), y, tf.where(tf.equal(y, 0), x, x * y))

    @staticmethod
    def reference(x, y):
        return np.where(x == 0, y, np.where(y == 0, x, x * y))


mul_without_zeros = MulWithoutZeros(name="mul_without_zeros")
