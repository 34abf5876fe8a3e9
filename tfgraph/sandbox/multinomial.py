"""``theano.sandbox.multinomial``: ops turning uniform draws into draws from
multinomials (``MultinomialFromUniform``) and choices without replacement
(``ChoiceFromUniform``), as MRG_RandomStreams uses them in Theano."""
import warnings

import numpy as np

from tfgraph import dtypes
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable
from tfgraph._tf import tf


def _inputs(op, pvals, unis, n):
    pvals, unis, n = (as_tensor_variable(v) for v in (pvals, unis, n))
    if pvals.ndim != 2:
        raise NotImplementedError("pvals ndim should be 2", pvals.ndim)
    if unis.ndim != 1:
        raise NotImplementedError("unis ndim should be 1", unis.ndim)
    if n.ndim != 0 or not dtypes.is_discrete(n.dtype):
        raise TypeError(f"{op}: n must be an integer scalar, got {n.type}")
    return pvals, unis, n


class MultinomialFromUniform(Op):
    """Counts of ``n`` draws per row of ``pvals`` (rows of probabilities),
    the draw c of row r falling where the row's cumulative sum first reaches
    ``unis[c * rows + r]``."""
    __props__ = ("odtype",)

    def __init__(self, odtype):
        self.odtype = odtype

    def __str__(self):
        return f"{type(self).__name__}{{{self.odtype}}}"

    def make_node(self, pvals, unis, n=1):
        pvals, unis, n = _inputs(self, pvals, unis, n)
        dtype = pvals.dtype if self.odtype == "auto" else self.odtype
        return Apply(self, [pvals, unis, n], [TensorType(dtype, pvals.broadcastable)])

    def lower(self, node, inputs, ctx):
        pvals, unis, n = inputs
        rows, outcomes = tf.shape(pvals)[0], tf.shape(pvals)[1]
        check = tf.debugging.assert_equal(
            tf.size(unis), rows * tf.cast(n, tf.int32),
            message="unis.shape[0] != pvals.shape[0] * n_samples")
        with tf.control_dependencies([check]):
            draws = tf.transpose(tf.reshape(tf.cast(unis, tf.float64), [-1, rows]))
        cumsum = tf.cumsum(tf.cast(pvals, tf.float64), axis=1)
        picked = tf.minimum(tf.searchsorted(cumsum, draws, side="left"), outcomes - 1)
        counts = tf.reduce_sum(tf.one_hot(picked, outcomes, dtype=tf.float64), axis=1)
        return [tf.cast(counts, node.outputs[0].dtype)]


class ChoiceFromUniform(MultinomialFromUniform):
    """For each row of ``pvals``, ``n`` outcomes drawn with the uniforms
    ``unis`` (draw c of row r from ``unis[c * rows + r]``), without
    replacement unless ``replace``: a drawn outcome's probability becomes 0
    and the row is normalised again. Output: (rows, n) outcome indices."""
    __props__ = ("odtype", "replace")

    def __init__(self, odtype, replace=False):
        super().__init__(odtype)
        self.replace = replace

    def make_node(self, pvals, unis, n=1):
        pvals, unis, n = _inputs(self, pvals, unis, n)
        dtype = "int64" if self.odtype == "auto" else self.odtype
        return Apply(self, [pvals, unis, n], [TensorType(dtype, (pvals.broadcastable[0], False))])

    lower = Op.lower   # sequential draws: run by ``perform`` (tfgraph.python_op)

    def perform(self, node, inputs, output_storage):
        pvals, unis, n = inputs
        pvals, n = np.array(pvals, dtype="float64"), int(n)
        rows, outcomes = pvals.shape
        if n > outcomes and not self.replace:
            raise ValueError("Cannot sample without replacement n samples bigger than the "
                             "size of the distribution.")
        if unis.shape[0] != rows * n:
            raise ValueError("unis.shape[0] != pvals.shape[0] * n_samples", unis.shape[0],
                             rows, n)
        chosen = np.full((rows, n), -1, dtype=node.outputs[0].dtype)
        for c in range(n):
            for r in range(rows):
                m = min(int(np.searchsorted(pvals[r].cumsum(), unis[c * rows + r],
                                            side="right")), outcomes - 1)
                chosen[r, c] = m
                if not self.replace:
                    pvals[r, m] = 0.0
                    pvals[r] /= pvals[r].sum() or 1.0
        output_storage[0][0] = chosen


class MultinomialWOReplacementFromUniform(ChoiceFromUniform):
    """Theano's deprecated name of ChoiceFromUniform."""

    def __init__(self, *args, **kwargs):
        warnings.warn("MultinomialWOReplacementFromUniform is deprecated, use "
                      "ChoiceFromUniform instead.", DeprecationWarning, stacklevel=2)
        super().__init__(*args, **kwargs)
