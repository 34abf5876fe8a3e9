"""``theano.tensor.basic``: the names Theano's tensor/basic.py defines, the
same objects as ``theano.tensor``'s (``basic.dot is tensor.dot``), and the
helpers Theano's tests import from it (``_allclose`` and its tolerances,
``_convert_to_*``)."""
import functools

from tfgraph.ops.shape import DimShuffle  # noqa: F401  (Theano's tensor/basic.py imports it)
from tfgraph.tensor import (  # noqa: F401
    abs_, add, addbroadcast, all, all_dtypes, allclose, Alloc, alloc, AllocDiag, AllocEmpty,
    and_, angle, any, ARange, arange, arccos, arccosh, arcsin, arcsinh, arctan, arctan2,
    arctanh, argmax, argmin, as_tensor, as_tensor_variable, batched_dot, batched_tensordot,
    bcol, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, bmatrix, brow, bscalar, btensor3,
    btensor4, btensor5, btensor6, btensor7, bvector, cast, ccol, ceil, ceil_intdiv, chi2sf,
    Choose, choose, clip, cmatrix, col, cols, complex, complex_dtypes, complex_from_polar,
    complex_matrix_types, complex_scalar_types, complex_types, complex_vector_types,
    concatenate, conj, constant, continuous_dtypes, cos, cosh, cov, crow, cscalar, ctensor3,
    ctensor4, ctensor5, ctensor6, ctensor7, cvector, dcol, dcols, Default, default, deg2rad,
    diag, diagonal, discrete_dtypes, divmod, dmatrices, dmatrix, Dot, dot, drow, drows, dscalar,
    dscalars, dtensor3, dtensor3s, dtensor4, dtensor4s, dtensor5, dtensor5s, dtensor6,
    dtensor6s, dtensor7, dtensor7s, dvector, dvectors, EmptyConstantError, eq, erf, erfc,
    erfcinv, erfcx, erfinv, exp, exp2, expm1, extract_constant, ExtractDiag, Eye, eye, fcol,
    fcols, fill, flatnonzero, Flatten, flatten, float_dtypes, float_matrix_types,
    float_scalar_types, float_types, float_vector_types, floor, floor_div, fmatrices, fmatrix,
    frow, frows, fscalar, fscalars, ftensor3, ftensor3s, ftensor4, ftensor4s, ftensor5,
    ftensor5s, ftensor6, ftensor6s, ftensor7, ftensor7s, fvector, fvectors, gamma, gammainc,
    gammaincc, gammal, gammaln, gammau, ge, get_scalar_constant_value, get_vector_length, gt,
    horizontal_stack, i0, i1, icol, icols, identity_like, imag, imatrices, imatrix, int_div,
    int_dtypes, int_matrix_types, int_scalar_types, int_types, int_vector_types, integer_dtypes,
    inv, inverse_permutation, invert, iround, irow, irows, iscalar, iscalars, isclose, isinf,
    isinf_, isnan, isnan_, itensor3, itensor3s, itensor4, itensor4s, itensor5, itensor5s,
    itensor6, itensor6s, itensor7, itensor7s, ivector, ivectors, j0, j1, Join, join, join_,
    largest, lcol, lcols, le, lmatrices, lmatrix, log, log10, log1p, log2, lrow, lrows, lscalar,
    lscalars, lt, ltensor3, ltensor3s, ltensor4, ltensor4s, ltensor5, ltensor5s, ltensor6,
    ltensor6s, ltensor7, ltensor7s, lvector, lvectors, matrices, matrix, max, max_and_argmax,
    maximum, mean, mgrid, min, minimum, mod, mod_check, mul, neg, neq, Nonzero, nonzero,
    nonzero_values, NotScalarConstantError, ogrid, ones, ones_like, or_, outer,
    patternbroadcast, permute_row_elements, PermuteRowElements, pow, power, prod, psi, ptp,
    rad2deg, real, Reshape, reshape, roll, round, round_half_away_from_zero, round_half_to_even,
    row, rows, scalar, scalar_from_tensor, ScalarFromTensor, scalars, second, setdefault, sgn,
    shape_padaxis, shape_padleft, shape_padright, ShapeError, sin, sinh, smallest, Split, split,
    sqr, sqrt, square, stack, stacklists, std, sub, sum, swapaxes, switch, tan, tanh, Tensor,
    tensor, tensor3, tensor3s, tensor4, tensor4s, tensor5, tensor5s, tensor6, tensor6s, tensor7,
    tensor7s, tensor_copy, tensor_from_scalar, tensordot, TensorFromScalar, Tile, tile,
    transpose, Tri, tri, tri_gamma, tril, triu, true_div, trunc, uint_dtypes, unbroadcast, var,
    vector, vectors, vertical_stack, wcol, where, wmatrix, wrow, wscalar, wtensor3, wtensor4,
    wtensor5, wtensor6, wtensor7, wvector, xor, zcol, zeros, zeros_like, zmatrix, zrow, zscalar,
    ztensor3, ztensor4, ztensor5, ztensor6, ztensor7, zvector
)
from tfgraph.tensor import dot as _dot  # noqa: F401  (Theano's Dot() instance, here the function)

from tfgraph.values import (  # noqa: F401  (the tolerances of Theano's comparisons)
    float16_atol, float16_rtol, float32_atol, float32_rtol, float64_atol, float64_rtol)
from tfgraph.values import allclose as _allclose, atol_rtol as _get_atol_rtol  # noqa: F401


def _conversion(dtype):
    converter = functools.partial(cast, dtype=dtype)
    converter.__name__ = converter.__qualname__ = f"_convert_to_{dtype}"
    return converter


_convert_to_bool = _conversion("bool")
_convert_to_int8, _convert_to_int16 = _conversion("int8"), _conversion("int16")
_convert_to_int32, _convert_to_int64 = _conversion("int32"), _conversion("int64")
_convert_to_uint8, _convert_to_uint16 = _conversion("uint8"), _conversion("uint16")
_convert_to_uint32, _convert_to_uint64 = _conversion("uint32"), _conversion("uint64")
_convert_to_float16, _convert_to_float32 = _conversion("float16"), _conversion("float32")
_convert_to_float64 = _conversion("float64")
_convert_to_complex64, _convert_to_complex128 = _conversion("complex64"), _conversion("complex128")
