"""More elementwise ops: the special functions (Theano's
``theano.scalar.basic_scipy``), inverse hyperbolics, complex parts, ``xlogx``.

One table row each, as in ``tfgraph.ops.elemwise`` (same ``Elemwise`` op
class and dtype rules); the reference column names the SciPy/NumPy function
each matches (SciPy is only needed by the tests). Lowerings TensorFlow has no
single kernel for are defined here first.
"""
import math

from tfgraph import dtypes
from tfgraph.ops.base import result_dtype
from tfgraph.ops.elemwise import table_ops
from tfgraph.ops.scalar import abs_rule, dtype_rule, min8, to_float
from tfgraph._tf import tf

_SQRT2 = math.sqrt(2.0)
_SQRT_PI = math.sqrt(math.pi)


def erfcinv(y):
    # erfc(x) = y  <=>  x = -ndtri(y / 2) / sqrt(2); no cancellation near y = 0.
    return -tf.math.ndtri(y / 2) / _SQRT2


# Above this, erfc underflows in float64 and exp(x**2) overflows: use the
# asymptotic series, whose next term is below 1e-13 relatively from here on.
_ERFCX_SERIES_FROM = 25.0


@tf.custom_gradient
def _erfcx64(x):
    small = tf.minimum(x, _ERFCX_SERIES_FROM)
    direct = tf.exp(small * small) * tf.math.erfc(small)
    large = tf.maximum(x, _ERFCX_SERIES_FROM)
    inv2 = 1.0 / (2.0 * large * large)
    # 1/(x sqrt(pi)) * sum_n (-1)^n (2n-1)!! / (2x^2)^n
    series = 1.0 + inv2 * (-1.0 + inv2 * (3.0 + inv2 * (-15.0 + inv2 * (105.0 - 945.0 * inv2))))
    value = tf.where(x < _ERFCX_SERIES_FROM, direct, series / (large * _SQRT_PI))

    def grad(g):
        # Theano's Erfcx gradient: 2 x erfcx(x) - 2 / sqrt(pi).
        return g * (2.0 * x * value - 2.0 / _SQRT_PI)
    return value, grad


def erfcx(x):
    """exp(x**2) * erfc(x), finite where erfc underflows (computed in float64)."""
    return tf.cast(_erfcx64(tf.cast(x, tf.float64)), x.dtype)


def gamma(x):
    """The gamma function with its sign (exp(lgamma) alone loses it below 0)."""
    negative_odd = tf.math.floormod(tf.math.ceil(-x), 2.0) > 0
    sign = tf.where((x < 0) & negative_odd, -tf.ones_like(x), tf.ones_like(x))
    pole = (x <= 0) & tf.equal(x, tf.floor(x))
    return tf.where(pole, tf.fill(tf.shape(x), tf.constant(float("inf"), x.dtype)),
                    sign * tf.exp(tf.math.lgamma(x)))


def tri_gamma(x):
    return tf.math.polygamma(tf.ones_like(x), x)


def chi2sf(x, k):
    """The survival function of the chi-squared distribution with k degrees
    of freedom (scipy.stats.chi2.sf)."""
    return tf.math.igammac(k / 2, x / 2)


def gammau(k, x):
    """Upper incomplete gamma function, not normalised."""
    return tf.math.igammac(k, x) * tf.exp(tf.math.lgamma(k))


def gammal(k, x):
    """Lower incomplete gamma function, not normalised."""
    return tf.math.igamma(k, x) * tf.exp(tf.math.lgamma(k))


def trunc(x):
    return tf.sign(x) * tf.floor(tf.abs(x))


@tf.custom_gradient
def _xlogx(x):
    def grad(g):
        # Theano's: 1 + log(x) (so -inf at 0, where TF's xlogy gives 0).
        return g * (1 + tf.math.log(x))
    return tf.math.xlogy(x, x), grad


def xlogx(x):
    """x * log(x), 0 at x = 0."""
    return _xlogx(x)


@tf.custom_gradient
def _xlogy0(x, y):
    def grad(g):
        # Theano's: d/dx = log(y) even at x = 0 (TF's xlogy gives 0 there).
        return g * tf.math.log(y), g * x / y
    return tf.math.xlogy(x, y), grad


def xlogy0(x, y):
    """x * log(y), 0 where x = 0."""
    shape = tf.broadcast_dynamic_shape(tf.shape(x), tf.shape(y))
    return _xlogy0(tf.broadcast_to(x, shape), tf.broadcast_to(y, shape))


def complex_from_parts(real, imag):
    return tf.complex(real, imag)


def complex_from_polar(r, angle):
    return tf.complex(r * tf.cos(angle), r * tf.sin(angle))


def _angle(z):
    if z.dtype.is_complex:
        return tf.math.angle(z)
    return tf.where(z < 0, tf.constant(math.pi, z.dtype), tf.zeros([], z.dtype))


def _deg2rad(x):
    return x * (math.pi / 180.0)


def _rad2deg(x):
    return x * (180.0 / math.pi)


def _exp2(x):
    return tf.pow(tf.constant(2, x.dtype), x)


# --- dtype rules beyond elemwise's ---------------------------------------------

@dtype_rule
def to_float64(inputs):
    # Theano's upgrade_to_float64 (chi2sf): always float64.
    return "float64", "float64"


@dtype_rule
def float_only(inputs):
    # Theano's upgrade_to_float_no_complex: a complex input is an error.
    dtype = result_dtype(inputs)
    if dtypes.kind(dtype) == "c":
        raise TypeError(f"this function is not defined for complex inputs ({dtype})")
    return to_float(inputs)


@dtype_rule
def angle_rule(inputs):
    # Theano's Angle: specific_out(float64).
    dtype = result_dtype(inputs)
    return (dtype if dtypes.kind(dtype) in "fc" else "float64"), "float64"


@dtype_rule
def complex_rule(inputs):
    # Theano's Complex: float32 parts give complex64, anything else complex128.
    dtype = result_dtype(inputs)
    part = "float32" if dtype in ("float16", "float32") else "float64"
    return part, "complex64" if part == "float32" else "complex128"


#    name              Theano class       TF lowering                        rule       nin  reference
TABLE = [
    ("arccosh",         "ArcCosh",         tf.acosh,                          to_float,   1, "numpy.arccosh"),
    ("arcsinh",         "ArcSinh",         tf.asinh,                          to_float,   1, "numpy.arcsinh"),
    ("arctanh",         "ArcTanh",         tf.atanh,                          to_float,   1, "numpy.arctanh"),
    ("arctan2",         "ArcTan2",         tf.atan2,                          to_float,   2, "numpy.arctan2"),
    ("deg2rad",         "Deg2Rad",         _deg2rad,                          to_float,   1, "numpy.deg2rad"),
    ("rad2deg",         "Rad2Deg",         _rad2deg,                          to_float,   1, "numpy.rad2deg"),
    ("exp2",            "Exp2",            _exp2,                             to_float,   1, "numpy.exp2"),
    ("inv",             "Inv",             tf.math.reciprocal,                to_float,   1, "numpy.reciprocal"),
    ("trunc",           "Trunc",           trunc,                             float_only, 1, "numpy.trunc"),
    ("erfc",            "Erfc",            tf.math.erfc,                      float_only, 1, "scipy.special.erfc"),
    ("erfcx",           "Erfcx",           erfcx,                             float_only, 1, "scipy.special.erfcx"),
    ("erfinv",          "Erfinv",          tf.math.erfinv,                    float_only, 1, "scipy.special.erfinv"),
    ("erfcinv",         "Erfcinv",         erfcinv,                           float_only, 1, "scipy.special.erfcinv"),
    ("gamma",           "Gamma",           gamma,                             to_float,   1, "scipy.special.gamma"),
    ("gammaln",         "GammaLn",         tf.math.lgamma,                    to_float,   1, "scipy.special.gammaln"),
    ("psi",             "Psi",             tf.math.digamma,                   to_float,   1, "scipy.special.psi"),
    ("tri_gamma",       "TriGamma",        tri_gamma,                         to_float,   1, "trigamma"),
    ("chi2sf",          "Chi2SF",          chi2sf,                            to_float64, 2, "scipy.stats.chi2.sf"),
    ("gammainc",        "GammaInc",        tf.math.igamma,                    to_float,   2, "scipy.special.gammainc"),
    ("gammaincc",       "GammaIncC",       tf.math.igammac,                   to_float,   2, "scipy.special.gammaincc"),
    ("gammau",          "GammaU",          gammau,                            to_float,   2, "gammau"),
    ("gammal",          "GammaL",          gammal,                            to_float,   2, "gammal"),
    ("j0",              "J0",              tf.math.special.bessel_j0,         to_float,   1, "scipy.special.j0"),
    ("j1",              "J1",              tf.math.special.bessel_j1,         to_float,   1, "scipy.special.j1"),
    ("i0",              "I0",              tf.math.special.bessel_i0,         to_float,   1, "scipy.special.i0"),
    ("i1",              "I1",              tf.math.special.bessel_i1,         to_float,   1, "scipy.special.i1"),
    ("real",            "Real",            tf.math.real,                      abs_rule,   1, "numpy.real"),
    ("imag",            "Imag",            tf.math.imag,                      abs_rule,   1, "numpy.imag"),
    ("angle",           "Angle",           _angle,                            angle_rule, 1, "numpy.angle"),
    ("conj",            "Conj",            tf.math.conj,                      min8,       1, "numpy.conj"),
    ("complex",         "Complex",         complex_from_parts,                complex_rule, 2, "complex"),
    ("complex_from_polar", "ComplexFromPolar",
                                       complex_from_polar,                complex_rule, 2, "complex_from_polar"),
    ("xlogx",           "XlogX",           xlogx,                             to_float,   1, "scipy.special.xlogy"),
    ("xlogy0",          "XlogY0",          xlogy0,                            to_float,   2, "scipy.special.xlogy"),
]

OPS = table_ops(TABLE)
