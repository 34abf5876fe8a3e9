"""Products with sparse matrices: ``structured_dot`` (dense result,
structured gradient), ``dot`` (dense result), ``true_dot`` (sparse result),
``sampling_dot`` (only where a sparse pattern asks) and ``Usmm``.

A sparse matrix times a dense one runs on TensorFlow's sparse-dense matmul
kernel; a product of two sparse matrices makes the right one dense first.
"""
from tfgraph import dtypes, tensor as T
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, cast_tensor
from tfgraph.sparse import value
from tfgraph.sparse.construct import (CSC, CSR, csm_indices, csm_indptr, csm_shape,
                                      dense_from_sparse, transpose)
from tfgraph.sparse.core import (as_sparse_or_tensor_variable, as_sparse_variable,
                                 check_format, sparse_output, _is_sparse_variable)
from tfgraph.symbolic_grad import grad_not_implemented
from tfgraph._tf import tf


def _product(node, inputs, dtype, first=0):
    """The dense product of the node's inputs ``first`` and ``first + 1`` (at
    least one sparse, dense ones of 1 or 2 dimensions), computed in ``dtype``."""
    x, y = inputs[first:first + 2]
    x_var, y_var = node.inputs[first:first + 2]
    x_sparse, y_sparse = _is_sparse_variable(x_var), _is_sparse_variable(y_var)
    x_shape = x.shape if x_sparse else tf.shape(x)
    y_shape = y.shape if y_sparse else tf.shape(y)
    inner = value.equal_sizes(x_shape[-1], y_shape[0],
                              f"{node.op}: shape mismatch (the inner dimensions differ)")
    x, y = value.checked((x, y), inner)  # the check first, then TensorFlow's own
    if x_sparse:
        x = value.with_data(x, cast_tensor(x.data, dtype))
        dense = value.to_dense(y, y_var.format) if y_sparse else y
        dense = cast_tensor(dense, dtype)
        column = y_var.ndim == 1
        result = value.matmul(x, x_var.format, dense[:, None] if column else dense)
        result = result[:, 0] if column else result
    else:
        row = x_var.ndim == 1
        dense = cast_tensor(x, dtype)
        y = value.with_data(y, cast_tensor(y.data, dtype))
        result = value.dense_matmul(dense[None, :] if row else dense, y, y_var.format)
        result = result[0] if row else result
    return result


class StructuredDot(Op):
    """a @ b, ``a`` sparse: dense if ``b`` is dense, sparse (in a's format,
    canonical) if ``b`` is sparse. The gradient with respect to ``a`` is
    structured: only at a's stored elements."""
    __props__ = ()

    def make_node(self, a, b):
        a, b = as_sparse_variable(a), as_sparse_or_tensor_variable(b)
        check_format(a, self)
        if b.ndim != 2:
            raise NotImplementedError(f"non-matrix b: {b} has {b.ndim} dimensions")
        dtype = dtypes.upcast(a.dtype, b.dtype)
        if _is_sparse_variable(b):
            return Apply(self, [a, b], [sparse_output(a.format, dtype)])
        return Apply(self, [a, b], [TensorType(dtype, (False, b.broadcastable[1]))])

    def lower(self, node, inputs, ctx):
        out = node.outputs[0]
        result = _product(node, inputs, out.dtype)
        if _is_sparse_variable(out):
            return [value.from_dense(result, out.type.format)]
        return [result]

    def grad(self, inputs, output_grads):
        (a, b), (g_out,) = inputs, output_grads
        return [structured_dot_grad(a, b, g_out), structured_dot(a.T, g_out)]


_structured_dot = StructuredDot()


def structured_dot(x, y):
    """x @ y, at least one sparse (see ``StructuredDot``): the gradient with
    respect to a sparse operand is structured."""
    x, y = as_sparse_or_tensor_variable(x), as_sparse_or_tensor_variable(y)
    if _is_sparse_variable(x):
        return _structured_dot(x, y)
    if not _is_sparse_variable(y):
        raise TypeError("structured_dot requires at least one sparse argument")
    return _structured_dot(y.T, x.T).T


class _StructuredDotGrad(Op):
    """The gradient of ``StructuredDot`` with respect to a's data: for each
    stored element (i, j) of a, ``dot(g_ab[i], b[j])``."""
    __props__ = ()
    format = None

    def make_node(self, a_indices, a_indptr, b, g_ab):
        inputs = [as_tensor_variable(v) for v in (a_indices, a_indptr, b, g_ab)]
        return Apply(self, inputs, [TensorType(inputs[3].dtype, (False,))])

    def lower(self, node, inputs, ctx):
        indices, indptr, b, g_ab = inputs
        rows, cols = value.coords(value.SparseArrays(None, indices, indptr, None), self.format)
        dtype = dtypes.upcast(b.dtype.name, g_ab.dtype.name)
        products = cast_tensor(tf.gather(g_ab, rows), dtype) * cast_tensor(tf.gather(b, cols),
                                                                           dtype)
        return [cast_tensor(tf.reduce_sum(products, axis=1), g_ab.dtype.name)]

    def connection_pattern(self, node):
        return [[False], [False], [True], [True]]


class StructuredDotGradCSC(_StructuredDotGrad):
    format = "csc"


class StructuredDotGradCSR(_StructuredDotGrad):
    format = "csr"


sdg_csc = StructuredDotGradCSC()
sdg_csr = StructuredDotGradCSR()


def structured_dot_grad(sparse_A, dense_B, ga):
    """The structured gradient of ``structured_dot(sparse_A, dense_B)`` with
    respect to ``sparse_A``, given ``ga`` the output's gradient: sparse, with
    sparse_A's structure."""
    check_format(sparse_A, "structured_dot_grad")
    dense_B = dense_from_sparse(dense_B) if _is_sparse_variable(dense_B) else dense_B
    ga = dense_from_sparse(ga) if _is_sparse_variable(ga) else ga
    grad_op, build = (sdg_csc, CSC) if sparse_A.format == "csc" else (sdg_csr, CSR)
    indices, indptr = csm_indices(sparse_A), csm_indptr(sparse_A)
    return build(grad_op(indices, indptr, dense_B, ga), indices, indptr, csm_shape(sparse_A))


class Dot(Op):
    """x @ y, at least one sparse, the other dense of 1 or 2 dimensions (or
    sparse): dense."""
    __props__ = ()

    def make_node(self, x, y):
        x, y = as_sparse_or_tensor_variable(x), as_sparse_or_tensor_variable(y)
        x_sparse, y_sparse = _is_sparse_variable(x), _is_sparse_variable(y)
        if not (x_sparse or y_sparse):
            raise TypeError(f"Sparse dot product should have at least one sparse variable as "
                            f"inputs, but the inputs are {x} ({x.type}) and {y} ({y.type}).")
        for position, v in enumerate((x, y)):
            if _is_sparse_variable(v):
                check_format(v, self)
            elif v.ndim not in (1, 2):
                raise TypeError(f"theano.sparse.Dot: input {position} (0-indexed) must have "
                                f"ndim of 1 or 2, {v.ndim} given.")
        pattern = x.broadcastable[:-1] + y.broadcastable[1:]
        return Apply(self, [x, y], [TensorType(dtypes.upcast(x.dtype, y.dtype), pattern)])

    def lower(self, node, inputs, ctx):
        return [_product(node, inputs, node.outputs[0].dtype)]

    def grad(self, inputs, output_grads):
        (x, y), (gz,) = inputs, output_grads
        if y.ndim == 1:  # x @ vector: the gradient of x is an outer product
            gx = T.outer(gz, y) if x.ndim == 2 else gz * y
        else:
            gx = T.dot(gz, y.T) if not _is_sparse_variable(y) else dot(gz, y.T)
        if x.ndim == 1:
            gy = T.outer(x, gz) if y.ndim == 2 else x * gz
        else:
            gy = T.dot(x.T, gz) if not _is_sparse_variable(x) else dot(x.T, gz)
        return [gx, gy]

    def __str__(self):
        return "SparseDot"


_dot = Dot()


def dot(x, y):
    """x @ y with at least one of x, y sparse: a dense result (gradients are
    not structured)."""
    x, y = as_sparse_or_tensor_variable(x), as_sparse_or_tensor_variable(y)
    if not (_is_sparse_variable(x) or _is_sparse_variable(y)):
        raise TypeError(f"sparse.dot takes at least one sparse matrix; got {x} ({x.type}) and "
                        f"{y} ({y.type})")
    return _dot(x, y)


class TrueDot(Op):
    """x @ y, x sparse and y a sparse or dense matrix of x's dtype: sparse
    (canonical), csr for csr x and csc for csc x."""
    __props__ = ()

    def __init__(self, grad_preserves_dense=True):
        self.grad_preserves_dense = grad_preserves_dense

    def make_node(self, x, y):
        x, y = as_sparse_or_tensor_variable(x), as_sparse_or_tensor_variable(y)
        if not _is_sparse_variable(x):
            raise TypeError(f"TrueDot's first operand must be sparse; got {x} ({x.type})")
        check_format(x, self)
        if x.dtype != y.dtype:
            raise NotImplementedError(f"TrueDot takes operands of one dtype; got {x.dtype} and "
                                      f"{y.dtype}")
        if y.ndim != 2:
            raise TypeError(f"TrueDot multiplies by a matrix; {y} has {y.ndim} dimensions")
        return Apply(self, [x, y], [sparse_output(x.format, x.dtype)])

    def lower(self, node, inputs, ctx):
        out = node.outputs[0]
        return [value.from_dense(_product(node, inputs, out.dtype), out.type.format)]

    def grad(self, inputs, output_grads):
        (x, y), (gz,) = inputs, output_grads
        grads = [true_dot(gz, y.T), true_dot(x.T, gz)]
        if not _is_sparse_variable(y) and self.grad_preserves_dense:
            grads[1] = dense_from_sparse(grads[1])
        return grads


def true_dot(x, y, grad_preserves_dense=True):
    """x @ y, at least one sparse: sparse. With ``grad_preserves_dense``
    (default) the gradient of a dense operand is dense."""
    x, y = as_sparse_or_tensor_variable(x), as_sparse_or_tensor_variable(y)
    if _is_sparse_variable(x):
        return TrueDot(grad_preserves_dense)(x, y)
    if not _is_sparse_variable(y):
        raise TypeError("true_dot requires at least one sparse argument")
    return transpose(TrueDot(grad_preserves_dense)(y.T, x.T))


class SamplingDot(Op):
    """``p * (x @ y.T)`` computed only where sparse ``p`` stores elements
    (x and y dense, y given as n x k): p's structure and dtype."""
    __props__ = ()

    def make_node(self, x, y, p):
        x, y, p = as_tensor_variable(x), as_tensor_variable(y), as_sparse_variable(p)
        check_format(p, self)
        for v in (x, y):
            if v.ndim != 2:
                raise TypeError(f"SamplingDot takes dense matrices; {v} has {v.ndim} dimensions")
        return Apply(self, [x, y, p], [p.type])

    def lower(self, node, inputs, ctx):
        x, y, p = inputs
        dtype = dtypes.upcast(*(v.dtype for v in node.inputs))
        rows, cols = value.coords(p, node.inputs[2].format)
        x_shape, y_shape = tf.shape(x, out_type=tf.int32), tf.shape(y, out_type=tf.int32)
        agree = value.equal_sizes(tf.stack([x_shape[1], x_shape[0], y_shape[0]]),
                                  tf.concat([y_shape[1:], p.shape], 0),
                                  "SamplingDot: x is m x k, y is n x k and p is m x n")
        x, y = value.checked((x, y), agree)
        sampled = tf.reduce_sum(cast_tensor(tf.gather(x, rows), dtype) *
                                cast_tensor(tf.gather(y, cols), dtype), axis=1)
        data = cast_tensor(cast_tensor(p.data, dtype) * sampled, node.outputs[0].dtype)
        return [value.with_data(p, data)]

    def grad(self, inputs, output_grads):
        (x, y, p), (gz,) = inputs, output_grads
        return [dot(p * gz, y), dot((p * gz).T, x), grad_not_implemented(self, 2, p)]


sampling_dot = SamplingDot()


class Usmm(Op):
    """alpha * (x @ y) + z, at least one of x and y sparse, z dense: dense.
    No gradient, as in Theano (it is what the optimizer rewrote products
    into; ``alpha * dot(x, y) + z`` is differentiable)."""
    __props__ = ()

    def make_node(self, alpha, x, y, z):
        x, y = as_sparse_or_tensor_variable(x), as_sparse_or_tensor_variable(y)
        alpha, z = as_tensor_variable(alpha), as_tensor_variable(z)
        if not (_is_sparse_variable(x) or _is_sparse_variable(y)):
            raise TypeError(f"Usmm takes at least one sparse matrix; got {x} and {y}")
        if z.ndim != 2 or not all(alpha.broadcastable):
            raise TypeError("Usmm takes a scalar (or broadcastable) alpha and a matrix z")
        for v in (x, y):
            if _is_sparse_variable(v):
                check_format(v, self)
            elif v.ndim != 2:
                raise TypeError(f"Usmm multiplies matrices; {v} has {v.ndim} dimensions")
        dtype = dtypes.upcast(alpha.dtype, x.dtype, y.dtype, z.dtype)
        return Apply(self, [alpha, x, y, z], [TensorType(dtype, (False, False))])

    def lower(self, node, inputs, ctx):
        alpha, _, _, z = inputs
        dtype = node.outputs[0].dtype
        product = _product(node, inputs, dtype, first=1)
        return [cast_tensor(tf.reshape(alpha, []), dtype) * product + cast_tensor(z, dtype)]

    def grad(self, inputs, output_grads):
        return [grad_not_implemented(self, i, v) for i, v in enumerate(inputs)]

    def __str__(self):
        return "Usmm{no_inplace}"


usmm = Usmm()
