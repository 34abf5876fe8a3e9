"""``theano.sparse``: csr and csc matrices as symbolic variables, their ops
on TensorFlow, and gradients as Theano gives them.

    from theano import sparse            # with the alias; or: from tfgraph import sparse
    x = sparse.csr_matrix("x")           # a float (floatX) csr matrix variable
    W = theano.shared(np.ones((5, 3)))
    y = sparse.structured_dot(x, W)      # dense: x @ W
    f = theano.function([x], [y, sparse.sp_ones_like(x) * 2])
    f(scipy.sparse.csr_matrix(...))      # -> [ndarray, scipy.sparse.csr_matrix]

Functions take and return SciPy matrices of the variable's format and dtype;
``theano.shared(scipy_matrix)`` makes a ``SparseTensorSharedVariable``.

Representation. Inside a traced graph a csr or csc matrix is its four arrays,
exactly as SciPy stores them (``value.SparseArrays``: data, int32 indices,
int32 indptr, int32 shape); the format is in the variable's type. A function
call passes a matrix's own arrays, returns new ones, and a shared sparse
matrix is four ``tf.Variable``s of free length. So the stored order, explicit
zeros and duplicates are what SciPy's would be (``csm_data``, ``csm_indices``
and ``csm_indptr`` give them back as stored; a transpose costs nothing), and
ops that compute derive what TensorFlow's kernels take from the arrays: COO
coordinates for ``tf.sparse.sparse_dense_matmul``, segment sums and scatters,
or a dense matrix where only that is correct (products of two sparse
matrices, comparisons whose result stores zeros, the gradients Theano makes
dense). A ``tf.sparse.SparseTensor`` throughout would lose SciPy's order and
csc, and would cost a conversion at every boundary. Results have the
structure SciPy's operations give: sums and products of two sparse matrices
are canonical (sorted, no duplicates or stored zeros); a sparse matrix times
a dense one, casts and the functions of the stored values keep the input's
elements as stored.

Gradients. Each op defines Theano's ``grad`` beside its type rule and
lowering. ``grad`` with respect to a sparse variable, or through a sparse
matrix made from a ``wrt`` variable, applies them symbolically (see
``backprop``): structured ops (``structured_dot``, ``sp_sum(...,
sparse_grad=True)``, ``dense_from_sparse``, ``structured_*``, ``sqrt``, ...)
give gradients in the input's structure, the others may store elements the
input does not (``sp_sum``'s default stores every element, as Theano's). The
dense parts between them are differentiated by the tape; a graph where no
sparse matrix depends on a ``wrt`` variable (sparse data times dense weights)
is differentiated by the tape alone.

Left out, and why:

- ``theano.sparse.opt``'s graph rewrites (``local_usmm``, ...): Theano's
  optimizer replaced products by the specialised ops below; TensorFlow's
  kernels and Grappler do that work here. The ops themselves are in
  ``opt`` (same values), no rewrite inserts them.
- ``bsr`` matrices: types can name them (``bsr_matrix``) but, as in Theano,
  no op takes them; a function with a bsr input or output raises.
- ``theano.sparse.sandbox`` (``sp``, ``sp2``: sparse convolutions and random
  sparse matrices): experimental in Theano, and not part of its API.
- DebugMode and NanGuardMode check the dense values sparse matrices meet,
  not the matrices' own arrays; ``Function.loop``, SavedModel export and
  meshes take dense inputs and outputs only; an op written in Theano's style
  (``perform`` through ``tf.numpy_function``) takes dense tensors only.
"""
import scipy  # noqa: F401  (Theano's module imported it; enable_sparse says it is there)

from tfgraph.sparse.basic import *  # noqa: F401,F403
from tfgraph.sparse.basic import (  # noqa: F401  (names import * leaves out)
    _is_dense, _is_dense_variable, _is_sparse, _is_sparse_variable, _mtype_to_str, _mtypes,
    _sparse_py_operators)
from tfgraph.sparse import basic, opt, sharedvar, type, utils  # noqa: F401,A004
from tfgraph.sparse.sharedvar import SparseTensorSharedVariable, sparse_constructor  # noqa: F401

scipy_ver = [int(n) for n in scipy.__version__.split(".")[:2]]  # (Theano's name)
enable_sparse = True
shared = sparse_constructor
