"""Random draws in TensorFlow from a 2-element int64 seed.

Every draw starts from raw bits of TensorFlow's counter-based Philox
generator (``stateless_uniform`` of full-range unsigned integers), and turns
them into numbers with plain arithmetic. Unlike TensorFlow's own float
samplers, whose XLA and non-XLA kernels give different numbers for one seed,
the bits agree everywhere, so a seed gives the same draws in a traced graph,
eagerly and under XLA. Only what passes through ``log``/``cos``-like kernels
(normals, poisson, binomial with n > 1) can differ by a rounding error
between XLA and the others; they are computed in float64, so float32 results
agree in practice.
"""
import numpy as np

from tfgraph._tf import tf

_ALG = "philox"


def bits(seed, shape, dtype=tf.uint64):
    """Uniformly random unsigned integers of ``shape``."""
    return tf.random.stateless_uniform(shape, seed, minval=None, maxval=None,
                                       dtype=dtype, alg=_ALG)


def _mantissa_ints(seed, shape, dtype):
    """(k, m): uniform integers k in [0, 2**m) for the m mantissa bits of
    ``dtype`` (24 for float32, 53 for float64), as uint32 or uint64."""
    mantissa = np.finfo(dtype).nmant + 1
    if mantissa <= 24:
        return tf.bitwise.right_shift(bits(seed, shape, tf.uint32),
                                      tf.constant(32 - mantissa, tf.uint32)), mantissa
    return tf.bitwise.right_shift(bits(seed, shape), tf.constant(64 - mantissa, tf.uint64)), mantissa


def unit(seed, shape, dtype, open_low=False):
    """Uniform floats in [0, 1) (in (0, 1) with ``open_low``), with the full
    precision of ``dtype``: k * 2**-m for m mantissa bits (+ 2**-(m+1))."""
    k, mantissa = _mantissa_ints(seed, shape, dtype)
    work = "float32" if mantissa <= 24 else "float64"
    scale = 2.0 ** -mantissa
    u = tf.cast(k, work) * tf.constant(scale, work)
    if open_low:
        u = u + tf.constant(scale / 2, work)
    return tf.cast(u, dtype)


def uniform(seed, shape, low, high, dtype):
    u = unit(seed, shape, dtype)
    low, high = tf.cast(low, dtype), tf.cast(high, dtype)
    return low + u * (high - low)


def standard_normal(seed, shape):
    """Box-Muller in float64: both halves of each pair of uniforms used."""
    n = tf.reduce_prod(shape)
    half = (n + 1) // 2
    u = unit(seed, [2 * half], "float64", open_low=True)
    radius = tf.sqrt(-2.0 * tf.math.log(u[:half]))
    angle = (2.0 * np.pi) * u[half:]
    z = tf.concat([radius * tf.cos(angle), radius * tf.sin(angle)], 0)
    return tf.reshape(z[:n], shape)


def normal(seed, shape, avg, std, dtype):
    return tf.cast(tf.cast(avg, "float64") + tf.cast(std, "float64") * standard_normal(seed, shape),
                   dtype)


def integers(seed, shape, low, high, dtype):
    """Uniform integers in [low, high], both included (elementwise bounds)."""
    low = tf.cast(tf.broadcast_to(low, shape), tf.int64)
    high = tf.cast(tf.broadcast_to(high, shape), tf.int64)
    span = tf.bitcast(high - low, tf.uint64) + tf.constant(1, tf.uint64)
    offset = tf.math.floormod(bits(seed, shape), span)   # modulo bias < span / 2**64
    return tf.cast(low + tf.bitcast(offset, tf.int64), dtype)


def bernoulli(seed, shape, p, dtype):
    """1 where unit(...) < p, else 0, compared as integers: k * 2**-m < p
    exactly when k < ceil(p * 2**m), which saves converting every k."""
    k, mantissa = _mantissa_ints(seed, shape, p.dtype.name)
    threshold = tf.cast(tf.math.ceil(tf.clip_by_value(p, 0, 1) * 2.0 ** mantissa), k.dtype)
    return tf.cast(k < threshold, dtype)


def _bisect(lowest, highest, below, steps):
    """The smallest k in [lowest, highest] where ``below(k)`` (the CDF at k
    has not reached the uniform) is false, in ``steps`` halvings."""
    def body(i, lo, hi):
        mid = lo + (hi - lo) // 2
        go_up = below(mid)
        return i + 1, tf.where(go_up, mid + 1, lo), tf.where(go_up, hi, mid)
    _, lo, _ = tf.while_loop(lambda i, lo, hi: i < steps, body,
                             (tf.constant(0), lowest, highest))
    return lo


def binomial(seed, shape, n, p, dtype):
    """Binomial(n, p) by inverting the CDF, P(X <= k) = I_{1-p}(n - k, k + 1),
    with a bisection over [0, n] (64 steps cover any int64 n)."""
    n = tf.cast(tf.broadcast_to(n, shape), tf.float64)
    p = tf.cast(tf.broadcast_to(p, shape), tf.float64)
    u = unit(seed, shape, "float64")

    def below(k):
        cdf = tf.math.betainc(tf.maximum(n - k, 1.0), k + 1.0, 1.0 - p)
        return tf.logical_and(k < n, cdf <= u)
    k = _bisect(tf.zeros_like(n), n, below, 64)
    k = tf.where(p >= 1.0, n, tf.where(p <= 0.0, tf.zeros_like(n), k))
    return tf.cast(k, dtype)


def poisson(seed, shape, lam, dtype):
    """Poisson(lam) by inverting the CDF, P(X <= k) = Q(k + 1, lam), bisecting
    over [0, lam + 40 sqrt(lam) + 40] (the tail beyond is below 1e-300)."""
    lam = tf.cast(tf.broadcast_to(lam, shape), tf.float64)
    u = unit(seed, shape, "float64")
    top = tf.floor(lam + 40.0 * tf.sqrt(lam) + 40.0)

    def below(k):
        return tf.math.igammac(k + 1.0, lam) <= u
    k = _bisect(tf.zeros_like(lam), top, below, 64)
    return tf.cast(tf.where(lam > 0.0, k, tf.zeros_like(k)), dtype)


def sort_keys(seed, shape):
    """Random int64 keys: sorting by them gives a uniform permutation."""
    return tf.bitcast(tf.bitwise.right_shift(bits(seed, shape), tf.constant(1, tf.uint64)),
                      tf.int64)


def permutations(seed, batch_shape, n, dtype):
    """Permutations of range(n), one per entry of ``batch_shape``."""
    shape = tf.concat([batch_shape, tf.reshape(tf.cast(n, tf.int64), [1])], 0)
    return tf.cast(tf.argsort(sort_keys(seed, shape), axis=-1, stable=True), dtype)


def categorical(seed, shape, pvals, dtype):
    """Indices drawn with probabilities ``pvals`` (last axis), by inverting
    the CDF; ``pvals`` broadcasts against ``shape`` + its last axis."""
    cdf = tf.math.cumsum(tf.cast(pvals, tf.float64), axis=-1)
    u = unit(seed, shape, "float64") * cdf[..., -1:][..., 0]
    cdf = tf.broadcast_to(cdf, tf.concat([shape, tf.shape(cdf, out_type=tf.int64)[-1:]], 0))
    flat_cdf = tf.reshape(cdf, [-1, tf.shape(cdf)[-1]])
    index = tf.searchsorted(flat_cdf, tf.reshape(u, [-1, 1]), side="right")
    index = tf.minimum(index, tf.shape(cdf, out_type=index.dtype)[-1] - 1)
    return tf.cast(tf.reshape(index, shape), dtype)


def weighted_keys(seed, shape, weights):
    """Keys whose top k give a sample of k items without replacement, each
    drawn in proportion to its weight (Efraimidis and Spirakis): log(u) / w."""
    u = unit(seed, shape, "float64", open_low=True)
    w = tf.cast(weights, tf.float64)
    return tf.where(w > 0.0, tf.math.log(u) / w, tf.constant(-np.inf, tf.float64))


def multinomial(seed, shape, n, pvals, dtype):
    """Counts of n draws among len(pvals[-1]) outcomes: ``shape`` + (L,).
    Drawn as max(n) categorical draws per distribution, those past each n
    dropped, then counted."""
    n = tf.cast(tf.broadcast_to(n, shape), tf.int64)
    most = tf.reduce_max(tf.concat([tf.reshape(n, [-1]), tf.zeros([1], tf.int64)], 0))
    draw_shape = tf.concat([shape, tf.reshape(most, [1])], 0)
    p = tf.expand_dims(tf.cast(pvals, tf.float64), -2)
    picks = categorical(seed, draw_shape, p, tf.int64)
    kept = tf.range(most)[tf.newaxis] < tf.reshape(n, [-1, 1])
    picks = tf.reshape(picks, [-1, tf.cast(most, tf.int32)])
    width = tf.shape(pvals)[-1]
    counts = tf.reduce_sum(tf.one_hot(picks, width, dtype=tf.int64)
                           * tf.cast(kept, tf.int64)[..., tf.newaxis], axis=1)
    return tf.cast(tf.reshape(counts, tf.concat([shape, [tf.cast(width, tf.int64)]], 0)), dtype)
