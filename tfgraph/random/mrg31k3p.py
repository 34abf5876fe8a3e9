"""L'Ecuyer's MRG31k3p generator, as Theano 1.0.5's ``rng_mrg`` defines it.

A stream's state is six int32 values: three of the first component, a
recurrence modulo M1 = 2**31 - 1, and three of the second, modulo
M2 = 2**31 - 21069. One step is

    x1 <- (2**22 * x1[t-2] + (2**7 + 1) * x1[t-3]) mod M1
    x2 <- (2**15 * x2[t-1] + (2**15 + 1) * x2[t-3]) mod M2

(Theano's int32 shift-and-mask code computes exactly these), and the value
drawn is k = x1 - x2, plus M1 when x1 <= x2: an integer in [1, M1], scaled to
(0, 1) by ``NORM``. A draw of n values over S streams takes value i from
stream i % S: ceil(n / S) steps of all streams at once, the last step moving
only the streams that draw in it.

Streams start 2**72 steps apart (the ``A1p72``/``A2p72`` jump) from the
generator's ``rstate``, which then jumps 2**134 steps (``A1p134``/``A2p134``)
for the next draw: this part runs on the host, in NumPy, when a draw is made.
"""
import functools
import numbers
import warnings

import numpy as np

from tfgraph._tf import tf

M1 = np.asarray(np.int32(2147483647))       # 2**31 - 1
M2 = np.asarray(np.int32(2147462579))       # 2**31 - 21069
MASK12 = np.int32(511)                      # 2**9 - 1
MASK13 = np.int32(16777215)                 # 2**24 - 1
MASK2 = np.int32(65535)                     # 2**16 - 1
MULT2 = np.int32(21069)
NORM = 4.656612873077392578125e-10          # 2**-31
# Theano's float32 scale, the float32 just below 2**-31: (2**31 - 1) * NORM32
# rounds below 1, so float32 draws are never 1.
NORM32 = np.float32(4.6566126e-10)
NORM16 = np.float16(3.0458e-05)
# The shift amounts of Theano's int32 step.
np_int32_vals = [np.int32(i) for i in (0, 7, 9, 15, 16, 22, 24)]

# The step's matrices raised to 2**72 (substreams) and 2**134 (streams).
A1p72 = np.asarray([[1516919229, 758510237, 499121365],
                    [1884998244, 1516919229, 335398200],
                    [601897748, 1884998244, 358115744]], dtype="int64")
A2p72 = np.asarray([[1228857673, 1496414766, 954677935],
                    [1133297478, 1407477216, 1496414766],
                    [2002613992, 1639496704, 1407477216]], dtype="int64")
A1p134 = np.asarray([[1702500920, 1849582496, 1656874625],
                     [828554832, 1702500920, 1512419905],
                     [1143731069, 828554832, 102237247]], dtype="int64")
A2p134 = np.asarray([[796789021, 1464208080, 607337906],
                     [1241679051, 1431130166, 1464208080],
                     [1401213391, 1178684362, 1431130166]], dtype="int64")

_M1, _M2 = int(M1), int(M2)
MAX_SAMPLES = _M1    # Theano refuses draws of more values


# --- the host side: jumps and the reference step ----------------------------------------

def _mat_vec_rows(A, s, m):
    """(A @ s_r) mod m for every row s_r of ``s`` (n, k), exactly in int64:
    each product is below 2**62 and is reduced before the sum."""
    s = np.asarray(s, dtype="int64")
    return np.sum((A[None, :, :] * s[:, None, :]) % m, axis=-1) % m


def matVecModM(A, s, m):
    """(A @ s) mod m for an int64 matrix ``A`` and a vector ``s``, as int32."""
    assert A.dtype == "int64"
    return np.int32(_mat_vec_rows(A, np.asarray(s)[None], int(m))[0])


def multMatVect(v, A, m1, B, m2):
    """The six-value state ``v`` with its first half multiplied by ``A``
    modulo ``m1`` and its second by ``B`` modulo ``m2``."""
    v = np.asarray(v)
    return np.concatenate([matVecModM(A, v[:3], m1), matVecModM(B, v[3:], m2)])


def ff_2p134(rstate):
    """``rstate`` 2**134 steps on: the start of the next stream."""
    return multMatVect(rstate, A1p134, M1, A2p134, M2)


def ff_2p72(rstate):
    """``rstate`` 2**72 steps on: the start of the next substream."""
    return multMatVect(rstate, A1p72, M1, A2p72, M2)


def _mat_mat_mod(A, B, m):
    """(A @ B) mod m for 3x3 matrices, exactly (Python integers)."""
    return np.array([[sum(int(A[i, k]) * int(B[k, j]) for k in range(3)) % m
                      for j in range(3)] for i in range(3)], dtype="int64")


def substreams(rstate, n_streams):
    """(n_streams, 6) int32 states, row i being ``rstate`` moved i * 2**72
    steps on (Theano's ``get_substream_rstates`` without the jump of the
    generator). Rows are made by doubling: rows [k, 2k) are rows [0, k)
    moved k * 2**72 steps, so n streams take log2(n) vectorised products."""
    states = np.asarray(rstate, dtype="int64").reshape(1, 6)
    jump1, jump2 = A1p72, A2p72
    while len(states) < n_streams:
        moved = np.concatenate([_mat_vec_rows(jump1, states[:, :3], _M1),
                                _mat_vec_rows(jump2, states[:, 3:], _M2)], axis=1)
        states = np.concatenate([states, moved])[:n_streams]
        jump1, jump2 = _mat_mat_mod(jump1, jump1, _M1), _mat_mat_mod(jump2, jump2, _M2)
    return states.astype("int32")


def step(x1, x2):
    """One step of both components, on int64 values (NumPy or Python ints):
    ((x11, x12, x13), (x21, x22, x23)) -> (new state, k in [1, M1])."""
    (x11, x12, x13), (x21, x22, x23) = x1, x2
    y1 = (x12 * 4194304 + x13 * 129) % _M1        # 2**22, 2**7 + 1
    y2 = (x21 * 32768 + x23 * 32769) % _M2        # 2**15, 2**15 + 1
    k = y1 - y2
    return ((y1, x11, x12), (y2, x21, x22)), k


def mrg_next_value(rstate, new_rstate, NORM, mask, offset):
    """Theano's reference step of one stream: writes the next state of
    ``rstate`` into ``new_rstate`` and returns the value drawn,
    ((k & mask) + offset) * NORM."""
    values = [int(v) for v in rstate]
    (x1, x2), k = step(values[:3], values[3:])
    new_rstate[...] = list(x1) + list(x2)
    k = k + _M1 if k <= 0 else k
    return ((k & mask) + offset) * NORM


def guess_n_streams(size, warn=False):
    """Theano's number of streams for a draw of ``size``: a sixth of the
    values, at most 60 * 256; 60 * 256 when ``size`` is not a tuple or list
    of ints (with a warning if ``warn``)."""
    if isinstance(size, (tuple, list)) and all(isinstance(i, numbers.Integral) for i in size):
        r = int(np.prod([int(i) for i in size])) if size else 1
        if r > 6:
            r = r // 6
        return min(r, 60 * 256)
    if warn:
        warnings.warn(f"MRG_RandomStreams Can't determine #streams from size ({size}), "
                      f"guessing 60*256", stacklevel=3)
    return 60 * 256


# --- the graph side: a draw -------------------------------------------------------------

_U32 = tf.uint32


def _times_2_15_mod_m2(x):
    """x * 2**15 mod M2 for x < M2, in uint32: with x = a * 2**16 + b,
    x * 2**15 = b * 2**15 + a * 2**31, and 2**31 = 21069 mod M2."""
    low = tf.bitwise.left_shift(tf.bitwise.bitwise_and(x, int(MASK2)), 15)
    return _below(low + int(MULT2) * tf.bitwise.right_shift(x, 16), _M2)


def _below(r, m):
    """r mod m for r < 2 * m (one conditional subtraction)."""
    return tf.where(r >= m, r - m, r)


def _graph_step(x1, x2):
    """The components' next values (y1, y2) after the states x1 = (x11, x12,
    x13) and x2, newest first: ``step`` on uint32 columns, as Theano's C
    code computes it. Shifts and masks fold each product below 2**32, so
    nothing divides (integer division does not vectorise: with int64 ``%``
    a draw took twice as long)."""
    (_, x12, x13), (x21, _, x23) = x1, x2
    # x12 * 2**22 and x13 * 2**7 mod M1, since 2**31 = 1 mod M1.
    y1 = _below(tf.bitwise.left_shift(tf.bitwise.bitwise_and(x12, int(MASK12)), 22)
                + tf.bitwise.right_shift(x12, 9), _M1)
    y1 = _below(y1 + _below(tf.bitwise.left_shift(tf.bitwise.bitwise_and(x13, int(MASK13)), 7)
                            + tf.bitwise.right_shift(x13, 24), _M1), _M1)
    y1 = _below(y1 + x13, _M1)
    y2 = _below(_times_2_15_mod_m2(x21) + _times_2_15_mod_m2(x23), _M2)
    y2 = _below(y2 + x23, _M2)
    return y1, y2


def _value(y1, y2):
    """The value drawn at a step: y1 - y2, wrapped back into [1, M1]."""
    return tf.where(y1 <= y2, y1 - y2 + _M1, y1 - y2)


def _draw(states, n, dtype):
    """(next states, uniforms): ``n`` values (an int64 scalar) drawn from
    the int32 streams ``states`` (S, 6), value i from stream i % S, as a
    flat vector of ``dtype`` (``to_unit``).

    Each component's recurrence is kept as a history of rows, one per step
    (the three rows of the state first, oldest first): step t reads rows
    t..t+2 and writes row t+3, an update XLA makes in place and leaves on
    one thread (a loop carrying the state as six columns spent half of each
    step copying them and handing them to the thread pool). All streams
    take ceil(n / S) steps; the values are k = x1 - x2 of the rows written,
    and a stream that draws nothing in the last step keeps its state from
    the step before."""
    columns = tf.unstack(tf.bitcast(states, _U32), num=6, axis=1)
    count = tf.shape(states, out_type=tf.int64)[0]
    steps = (n + count - 1) // count
    taken = tf.cast(steps, tf.int32)    # the history's rows: 0..taken + 2, the state last

    def history(newest, middle, oldest):
        h = tf.TensorArray(_U32, size=taken + 3, element_shape=[None], clear_after_read=False)
        return h.write(0, oldest).write(1, middle).write(2, newest)

    def body(t, h1, h2):
        x1 = (h1.read(t + 2), h1.read(t + 1), h1.read(t))
        x2 = (h2.read(t + 2), h2.read(t + 1), h2.read(t))
        y1, y2 = _graph_step(x1, x2)
        return t + 1, h1.write(t + 3, y1), h2.write(t + 3, y2)

    _, h1, h2 = tf.while_loop(lambda t, h1, h2: t < taken, body,
                              (tf.constant(0), history(*columns[:3]), history(*columns[3:])))
    h1, h2 = h1.stack(), h2.stack()
    k = tf.bitcast(tf.reshape(_value(h1[3:], h2[3:]), [-1])[:n], tf.int32)
    moved = tf.range(count) < n - (steps - 1) * count

    def state(h):
        return [tf.where(moved, h[taken + i], h[tf.maximum(taken + i - 1, 0)]) for i in (2, 1, 0)]
    return tf.bitcast(tf.stack(state(h1) + state(h2), axis=1), tf.int32), to_unit(k, dtype)


# The loop's steps are a few small integer operations on S values each:
# XLA compiles them into one in-place update a step (and the values and
# their scaling to floats into one pass after the loop). It compiles a draw
# once for each dtype, number of streams and of values (about 0.25 s each).
_DRAWS = {dtype: tf.function(functools.partial(_draw, dtype=dtype), jit_compile=True,
                             reduce_retracing=True,
                             input_signature=[tf.TensorSpec([None, 6], tf.int32),
                                              tf.TensorSpec([], tf.int64)])
          for dtype in ("float16", "float32", "float64")}


def draw(states, n, dtype):
    """(next states, ``n`` uniforms of ``dtype``) drawn from ``states``: see ``_draw``."""
    if dtype not in _DRAWS:
        raise TypeError(f"mrg_uniform draws floats, not {dtype}")
    return _DRAWS[dtype](states, n)


def to_unit(k, dtype):
    """The draws k in [1, M1] as floats in (0, 1), as Theano scales them:
    k * 2**-31 in float64; in float32, k rounded to float32 times ``NORM32``
    (Theano's C code); in float16, ((k & 0x7fff) + 1) * ``NORM16``."""
    if dtype == "float64":
        return tf.cast(k, tf.float64) * NORM
    if dtype == "float32":
        return tf.cast(k, tf.float32) * tf.constant(NORM32)
    if dtype == "float16":
        k = tf.bitwise.bitwise_and(k, 0x7FFF) + 1
        return tf.cast(tf.cast(k, tf.float64) * float(NORM16), tf.float16)
    raise TypeError(f"mrg_uniform draws floats, not {dtype}")
