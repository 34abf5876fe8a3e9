"""``theano.tensor.nnet.blocksparse``: products of chosen blocks of a block
matrix with chosen blocks of vectors (as in hierarchical softmax layers):
``sparse_block_dot`` and its ops, on TensorFlow's gathers and scatters
(which give the gradients)."""
from tfgraph.graph import Apply, Op
from tfgraph.ops.base import as_tensor_variable, cast_tensor
from tfgraph.persist import pickle_by_name
from tfgraph.tensor import dimshuffle
from tfgraph._tf import tf


def _pairs(first, second):
    """(batch, len1, len2, 2) index pairs (first[b, i], second[b, j])."""
    first, second = tf.cast(first, tf.int64), tf.cast(second, tf.int64)
    shape = tf.stack([tf.shape(first)[0], tf.shape(first)[1], tf.shape(second)[1]])
    return tf.stack([tf.broadcast_to(first[:, :, None], shape),
                     tf.broadcast_to(second[:, None, :], shape)], axis=-1)


class SparseBlockGemv(Op):
    """``o[b, j] + sum_i dot(h[b, i], W[inputIdx[b, i], outputIdx[b, j]])``
    for o (batch, oWin, oSize), W (iBlocks, oBlocks, iSize, oSize), h
    (batch, iWin, iSize) and the block indices (batch, iWin), (batch, oWin)."""
    __props__ = ("inplace",)

    def __init__(self, inplace=False):
        self.inplace = inplace   # accepted: TensorFlow's tensors are never changed in place

    def make_node(self, o, W, h, inputIdx, outputIdx):
        o, W, h, inputIdx, outputIdx = (as_tensor_variable(v)
                                        for v in (o, W, h, inputIdx, outputIdx))
        if (o.ndim, W.ndim, h.ndim, inputIdx.ndim, outputIdx.ndim) != (3, 4, 3, 2, 2):
            raise TypeError(f"SparseBlockGemv takes o (3-d), W (4-d), h (3-d) and two index "
                            f"matrices, got {o.type}, {W.type}, {h.type}, {inputIdx.type}, "
                            f"{outputIdx.type}")
        return Apply(self, [o, W, h, inputIdx, outputIdx], [o.type()])

    def lower(self, node, inputs, ctx):
        o, W, h, input_idx, output_idx = inputs
        dtype = node.outputs[0].dtype
        blocks = tf.gather_nd(cast_tensor(W, dtype), _pairs(input_idx, output_idx))
        return [o + tf.einsum("bis,bijst->bjt", cast_tensor(h, dtype), blocks)]


class SparseBlockOuter(Op):
    """``o`` with ``alpha * outer(x[b, i], y[b, j])`` added at block
    (xIdx[b, i], yIdx[b, j]) for every b, i, j (the gradient of
    SparseBlockGemv with respect to W)."""
    __props__ = ("inplace",)

    def __init__(self, inplace=False):
        self.inplace = inplace

    def make_node(self, o, x, y, xIdx, yIdx, alpha=None):
        o, x, y, xIdx, yIdx = (as_tensor_variable(v) for v in (o, x, y, xIdx, yIdx))
        alpha = as_tensor_variable(1.0 if alpha is None else alpha)
        return Apply(self, [o, x, y, xIdx, yIdx, alpha], [o.type()])

    def lower(self, node, inputs, ctx):
        o, x, y, x_idx, y_idx, alpha = inputs
        dtype = node.outputs[0].dtype
        outer = tf.einsum("bis,bjt->bijst", cast_tensor(x, dtype), cast_tensor(y, dtype))
        return [tf.tensor_scatter_nd_add(o, _pairs(x_idx, y_idx),
                                         cast_tensor(alpha, dtype) * outer)]


sparse_block_gemv = pickle_by_name(SparseBlockGemv(False), __name__, "sparse_block_gemv")
sparse_block_outer = pickle_by_name(SparseBlockOuter(False), __name__, "sparse_block_outer")
sparse_block_gemv_inplace = pickle_by_name(SparseBlockGemv(True), __name__,
                                           "sparse_block_gemv_inplace")
sparse_block_outer_inplace = pickle_by_name(SparseBlockOuter(True), __name__,
                                            "sparse_block_outer_inplace")


def sparse_block_dot(W, h, inputIdx, b, outputIdx):
    """``dot(W[i, j], h[i]) + b[j]`` for the input blocks ``inputIdx`` and
    output blocks ``outputIdx`` of each example (a 2-d ``h`` is one example):
    (batch, oWin, oSize)."""
    W, h, b = as_tensor_variable(W), as_tensor_variable(h), as_tensor_variable(b)
    inputIdx, outputIdx = as_tensor_variable(inputIdx), as_tensor_variable(outputIdx)
    if inputIdx.ndim != h.ndim - 1 or outputIdx.ndim != inputIdx.ndim:
        raise TypeError("sparse_block_dot: inputIdx must have one dimension less than h, and "
                        "outputIdx as many as inputIdx")
    if h.ndim == 2:
        h = dimshuffle(h, "x", 0, 1)
        inputIdx, outputIdx = dimshuffle(inputIdx, "x", 0), dimshuffle(outputIdx, "x", 0)
    return sparse_block_gemv(b.take(outputIdx, axis=0), W, h, inputIdx, outputIdx)
