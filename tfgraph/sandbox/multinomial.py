"""``theano.sandbox.multinomial``: ops turning uniform draws into draws from
multinomials (``MultinomialFromUniform``) and choices without replacement
(``ChoiceFromUniform``), as MRG_RandomStreams uses them in Theano."""
import warnings

from tfgraph import dtypes
from tfgraph.graph import Apply, Constant, Op, TensorType
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
    as Theano's C code: draw c of row r adds one to the first outcome whose
    cumulative sum (in float64) exceeds ``unis[c * rows + r]``, and nothing
    if none does."""
    __props__ = ("odtype",)

    def __init__(self, odtype):
        self.odtype = odtype

    def __str__(self):
        return f"{type(self).__name__}{{{self.odtype}}}"

    def make_node(self, pvals, unis, n=1):
        pvals, unis, n = _inputs(self, pvals, unis, n)
        dtype = pvals.dtype if self.odtype == "auto" else self.odtype
        return Apply(self, [pvals, unis, n], [TensorType(dtype, pvals.broadcastable)])

    def can_fail(self, node):
        return True

    def lower(self, node, inputs, ctx):
        pvals, unis, n = inputs
        draws = _draws_by_row(ctx, pvals, unis, n)
        picked = tf.searchsorted(_cumulative(pvals), draws, side="right")
        # An index past the last outcome (no cumulative sum exceeds the draw)
        # is a row of zeros: nothing is added.
        counts = tf.reduce_sum(tf.one_hot(picked, tf.shape(pvals)[1], dtype=tf.float64), axis=1)
        return [tf.cast(counts, node.outputs[0].dtype)]


def _cumulative(pvals):
    """Each row's running sum in float64, as Theano's ``double cummul``."""
    return tf.cumsum(tf.cast(pvals, tf.float64), axis=1)


def _draws_by_row(ctx, pvals, unis, n):
    """``unis`` as (rows, n) float64: column c holds draws c * rows .. of
    every row; the call fails unless there are rows * n of them."""
    rows = tf.shape(pvals, out_type=tf.int64)[0]
    checks = ctx.require(tf.equal(tf.size(unis, out_type=tf.int64), rows * tf.cast(n, tf.int64)),
                         "unis.shape[0] != pvals.shape[0] * n_samples")
    with tf.control_dependencies(checks):
        return tf.transpose(tf.reshape(tf.cast(unis, tf.float64), [-1, rows]))


class ChoiceFromUniform(MultinomialFromUniform):
    """For each row of ``pvals``, ``n`` outcomes drawn with the uniforms
    ``unis`` (draw c of row r from ``unis[c * rows + r]``): the first outcome
    whose cumulative sum exceeds the draw (-1 if none does). Without
    ``replace`` the drawn outcome's probability becomes 0 and the row is
    divided by its new sum, summed in pvals' dtype from the float64 sum
    before the outcome, as Theano's C code does. Output: (rows, n)."""
    __props__ = ("odtype", "replace")

    def __init__(self, odtype, replace=False):
        super().__init__(odtype)
        self.replace = replace

    def make_node(self, pvals, unis, n=1):
        pvals, unis, n = _inputs(self, pvals, unis, n)
        dtype = "int64" if self.odtype == "auto" else self.odtype
        # (rows, n): the second dimension broadcasts when n is the constant 1.
        one = isinstance(n, Constant) and int(n.data) == 1
        return Apply(self, [pvals, unis, n], [TensorType(dtype, (pvals.broadcastable[0], one))])

    def lower(self, node, inputs, ctx):
        pvals, unis, n = inputs
        n = tf.cast(n, tf.int64)
        outcomes = tf.shape(pvals, out_type=tf.int64)[1]
        checks = [] if self.replace else ctx.require(
            n <= outcomes, "Cannot sample without replacement n samples bigger than the size "
                           "of the distribution.")
        with tf.control_dependencies(checks):
            draws = tf.transpose(_draws_by_row(ctx, pvals, unis, n))
        column = tf.range(outcomes)[tf.newaxis]

        def body(c, p, chosen):
            picked = tf.searchsorted(_cumulative(p), draws[c][:, tf.newaxis], side="right",
                                     out_type=tf.int64)
            found = picked < outcomes
            chosen = chosen.write(tf.cast(c, tf.int32), tf.where(found, picked, -1)[:, 0])
            if not self.replace:
                p = tf.where(found & (c < n - 1), _without(p, picked, column), p)
            return c + 1, p, chosen

        chosen = tf.TensorArray(tf.int64, size=tf.cast(n, tf.int32), element_shape=[None])
        _, _, chosen = tf.while_loop(lambda c, p, chosen: c < n, body,
                                     (tf.constant(0, tf.int64), pvals, chosen))
        rows = tf.shape(pvals)[0]
        picks = tf.reshape(chosen.stack(), [-1, rows])
        return [tf.cast(tf.transpose(picks), node.outputs[0].dtype)]


def _without(p, picked, column):
    """Rows of ``p`` with outcome ``picked`` (rows, 1) set to 0, divided by
    the sum Theano's C code forms: the float64 sum up to the outcome minus
    its probability, cast to p's dtype, plus the rest added one by one."""
    safe = tf.minimum(picked, tf.cast(tf.shape(p)[1] - 1, picked.dtype))
    before = tf.gather(_cumulative(p), safe, batch_dims=1) - tf.cast(
        tf.gather(p, safe, batch_dims=1), tf.float64)
    zeroed = tf.where(tf.equal(column, picked), tf.zeros_like(p), p)
    rest = tf.where(column >= picked, zeroed, tf.zeros_like(p))
    total = tf.cumsum(tf.concat([tf.cast(before, p.dtype), rest], 1), axis=1)[:, -1:]
    return zeroed / total


class MultinomialWOReplacementFromUniform(ChoiceFromUniform):
    """Theano's deprecated name of ChoiceFromUniform."""

    def __init__(self, *args, **kwargs):
        warnings.warn("MultinomialWOReplacementFromUniform is deprecated, use "
                      "ChoiceFromUniform instead.", DeprecationWarning, stacklevel=2)
        super().__init__(*args, **kwargs)
