"""``theano.sparse.basic``: the sparse types' variables, constants and ops,
one namespace (defined in the modules of tfgraph.sparse)."""
from tfgraph.sparse.arith import (  # noqa: F401
    AddSD, AddSS, AddSSData, EqualSD, EqualSS, GreaterEqualSD, GreaterEqualSS, GreaterThanSD,
    GreaterThanSS, LessEqualSD, LessEqualSS, LessThanSD, LessThanSS, MulSD, MulSS, MulSV,
    NotEqualSD, NotEqualSS, StructuredAddSV, add, add_s_d, add_s_s, add_s_s_data, arcsin,
    arcsinh, arctan, arctanh, ceil, conj, deg2rad, eq, equal_s_d, equal_s_s, expm1, floor, ge,
    greater_equal_s_d, greater_equal_s_s, greater_than_s_d, greater_than_s_s, gt, le,
    less_equal_s_d, less_equal_s_s, less_than_s_d, less_than_s_s, log1p, lt, mul, mul_s_d,
    mul_s_s, mul_s_v, neq, not_equal_s_d, not_equal_s_s, rad2deg, rint, sgn, sin, sinh, sqr,
    sqrt, structured_add, structured_add_s_v, structured_exp, structured_log,
    structured_maximum, structured_minimum, structured_monoid, structured_pow,
    structured_sigmoid, sub, tan, tanh, trunc)
from tfgraph.sparse.construct import (  # noqa: F401
    CSC, CSM, CSR, Cast, CSMGrad, CSMProperties, DenseFromSparse, EnsureSortedIndices, Neg,
    Remove0, SparseFromDense, Transpose, bcast, cast, ccast, clean, csc_from_dense, csm_data,
    csm_grad, csm_indices, csm_indptr, csm_properties, csm_shape, csr_from_dense, dcast,
    dense_from_sparse, ensure_sorted_indices, fcast, icast, lcast, neg, remove0, sp_ones_like,
    sp_zeros_like, transpose, wcast, zcast)
from tfgraph.sparse.core import (  # noqa: F401
    all_dtypes, as_sparse, as_sparse_or_tensor_variable, as_sparse_variable, bsr_dmatrix,
    bsr_fmatrix, bsr_matrix, complex_dtypes, constant, continuous_dtypes, csc_dmatrix,
    csc_fmatrix, csc_matrix, csr_dmatrix, csr_fmatrix, csr_matrix, discrete_dtypes,
    float_dtypes, int_dtypes, integer_dtypes, matrix, sparse_formats, uint_dtypes,
    _is_dense, _is_dense_variable, _is_sparse_variable, _mtype_to_str, _mtypes)
from tfgraph.sparse.dots import (  # noqa: F401
    Dot, SamplingDot, StructuredDot, StructuredDotGradCSC, StructuredDotGradCSR, TrueDot, Usmm,
    dot, sampling_dot, sdg_csc, sdg_csr, structured_dot, structured_dot_grad, true_dot, usmm,
    _dot, _structured_dot)
from tfgraph.sparse.indexing import (  # noqa: F401
    ConstructSparseFromList, GetItem2d, GetItem2Lists, GetItem2ListsGrad, GetItemList,
    GetItemListGrad, GetItemScalar, construct_sparse_from_list, get_item_2d, get_item_2lists,
    get_item_2lists_grad, get_item_list, get_item_list_grad, get_item_scalar)
from tfgraph.sparse.reduce import (  # noqa: F401
    ColScaleCSC, Diag, HStack, RowScaleCSC, SpSum, SquareDiagonal, VStack, col_scale, diag,
    hstack, row_scale, sp_sum, square_diagonal, vstack)
from tfgraph.sparse.type import SparseType, _is_sparse  # noqa: F401
from tfgraph.sparse.variable import (  # noqa: F401
    SparseConstant, SparseConstantSignature, SparseVariable, _sparse_py_operators)

__all__ = [name for name in dir() if not name.startswith("__")]
