"""What the ops over spatial axes (convolution, pooling, image windows) share:
naming a variable in a message, run-time checks, windows of an image, the
ints of a constant vector, and vector-Jacobian products (how a gradient op
reuses its forward lowering)."""
from tfgraph.graph import Constant
from tfgraph._tf import tf


def describe(var):
    """``var`` as an error message names it: its name, else the variable."""
    return f"'{var.name}'" if var.name else str(var)


def static_vector(var):
    """The ints of a constant vector variable, else None."""
    if isinstance(var, Constant):
        return tuple(int(v) for v in var.data.ravel())
    return None


def patches(image, kr, kc, strides, rates):
    """(batch, out rows, out cols, kr, kc, channels) windows of a padded NHWC
    image, by gathering rows and columns (sizes may be run-time values)."""
    shape = tf.shape(image)
    out_r = (shape[1] - (kr - 1) * rates[0] - 1) // strides[0] + 1
    out_c = (shape[2] - (kc - 1) * rates[1] - 1) // strides[1] + 1
    rows = tf.range(out_r)[:, None] * strides[0] + tf.range(kr)[None, :] * rates[0]
    cols = tf.range(out_c)[:, None] * strides[1] + tf.range(kc)[None, :] * rates[1]
    picked = tf.gather(image, rows, axis=1)             # (n, oi, a, W, c)
    picked = tf.gather(picked, cols, axis=3)            # (n, oi, a, oj, b, c)
    return tf.transpose(picked, [0, 1, 3, 2, 4, 5])


def vjp(fn, at, cotangent):
    """The vector-Jacobian product of linear ``fn`` at ``at``. Any enclosing
    tape records the computation, so it can be differentiated again."""
    with tf.GradientTape() as tape:
        tape.watch(at)
        out = fn(at)
    return tape.gradient(out, at, output_gradients=cotangent)
