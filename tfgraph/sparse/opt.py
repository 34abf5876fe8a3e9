"""``theano.sparse.opt``: the specialised ops Theano's optimizer put in
place of sparse products and sums (C code there), taking a matrix's arrays
(data, indices, indptr) as separate inputs. Here each computes the same
values with TensorFlow; no rewrite inserts them (TensorFlow's kernels and
Grappler do that work), and Theano's rewrites themselves (``local_usmm``,
``local_mul_s_d``, ...) are left out.
"""
from tfgraph import dtypes
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, cast_tensor
from tfgraph.sparse import value
from tfgraph.sparse.arith import AddSD
from tfgraph.sparse.construct import CSMGrad, csm_data, csm_indices, csm_indptr
from tfgraph.sparse.core import as_sparse_variable, _is_dense, _is_sparse_variable  # noqa: F401
from tfgraph.sparse.value import SparseArrays
from tfgraph._tf import tf


def _arrays(data, indices, indptr, shape):
    return SparseArrays(data, tf.cast(indices, value.INDEX), tf.cast(indptr, value.INDEX),
                        tf.cast(tf.stack(shape), value.INDEX))


def _vectors(*variables):
    return [as_tensor_variable(v) for v in variables]


class AddSD_ccode(AddSD):  # noqa: N801  (Theano's name)
    """x + y, x sparse of ``format``, y dense: the node takes x's arrays."""
    __props__ = ("format", "inplace")

    def __init__(self, format, inplace=False):
        self.format, self.inplace = format, inplace

    def make_node(self, x, y):
        x, y = as_sparse_variable(x), as_tensor_variable(y)
        if x.format != self.format or y.ndim != 2:
            raise TypeError(f"{self} adds a {self.format} matrix and a dense matrix")
        dtype = dtypes.upcast(x.dtype, y.dtype)
        return Apply(self, [csm_data(x), csm_indices(x), csm_indptr(x), y],
                     [TensorType(dtype, y.broadcastable)])

    def lower(self, node, inputs, ctx):
        data, indices, indptr, y = inputs
        shape = tf.unstack(tf.shape(y, out_type=tf.int32))
        dense = value.to_dense(_arrays(data, indices, indptr, shape), self.format)
        dtype = node.outputs[0].dtype
        return [cast_tensor(dense, dtype) + cast_tensor(y, dtype)]

    def grad(self, inputs, output_grads):
        raise NotImplementedError(f"{self} has no gradient (as in Theano): differentiate "
                                  f"add(x, y), which it replaces")

    def __str__(self):
        return f"AddSD_ccode{{{self.format}{',inplace' if self.inplace else ''}}}"


class _StructuredDotArrays(Op):
    """a @ b, a given by its arrays (``format``), b dense: dense."""
    __props__ = ()
    format = None

    def make_node(self, *inputs):
        inputs = _vectors(*inputs)
        a_val, b = inputs[0], inputs[-1]
        dtype = dtypes.upcast(a_val.dtype, b.dtype)
        return Apply(self, inputs, [TensorType(dtype, (False, b.broadcastable[1]))])

    def lower(self, node, inputs, ctx):
        b, dtype = inputs[-1], node.outputs[0].dtype
        a = self._sparse(inputs, tf.shape(b, out_type=tf.int32)[0])
        return [value.matmul(value.with_data(a, cast_tensor(a.data, dtype)), self.format,
                             cast_tensor(b, dtype))]


class StructuredDotCSC(_StructuredDotArrays):
    """(a_val, a_ind, a_ptr, a_nrows, b): a csc."""
    format = "csc"

    def _sparse(self, inputs, n_columns):
        a_val, a_ind, a_ptr, a_nrows, _ = inputs
        return _arrays(a_val, a_ind, a_ptr, [tf.cast(a_nrows, tf.int32), n_columns])


class StructuredDotCSR(_StructuredDotArrays):
    """(a_val, a_ind, a_ptr, b): a csr."""
    format = "csr"

    def _sparse(self, inputs, n_columns):
        a_val, a_ind, a_ptr, _ = inputs
        return _arrays(a_val, a_ind, a_ptr, [tf.size(a_ptr) - 1, n_columns])


sd_csc = StructuredDotCSC()
sd_csr = StructuredDotCSR()


class UsmmCscDense(Op):
    """alpha * (x @ y) + z, x a csc matrix given as (x_val, x_ind, x_ptr,
    x_nrows), y and z dense: dense."""
    __props__ = ("inplace",)

    def __init__(self, inplace):
        self.inplace = inplace

    def make_node(self, alpha, x_val, x_ind, x_ptr, x_nrows, y, z):
        inputs = _vectors(alpha, x_val, x_ind, x_ptr, x_nrows, y, z)
        dtype = dtypes.upcast(*(inputs[i].dtype for i in (0, 1, 5, 6)))
        if dtype not in ("float32", "float64"):
            raise NotImplementedError("only float types are supported in operands")
        return Apply(self, inputs, [TensorType(dtype, (False, False))])

    def lower(self, node, inputs, ctx):
        alpha, x_val, x_ind, x_ptr, x_nrows, y, z = inputs
        dtype = node.outputs[0].dtype
        x = _arrays(cast_tensor(x_val, dtype), x_ind, x_ptr,
                    [tf.cast(x_nrows, tf.int32), tf.shape(y, out_type=tf.int32)[0]])
        product = value.matmul(x, "csc", cast_tensor(y, dtype))
        return [cast_tensor(tf.reshape(alpha, []), dtype) * product + cast_tensor(z, dtype)]


usmm_csc_dense = UsmmCscDense(inplace=False)
usmm_csc_dense_inplace = UsmmCscDense(inplace=True)


class CSMGradC(CSMGrad):
    """``CSMGrad`` (Theano's C implementation of it)."""


csm_grad_c = CSMGradC()


class _OnStoredValues(Op):
    """A function of a matrix's stored values (data, indices, indptr) and a
    dense ``b``, giving new values (a vector of b's dtype)."""
    __props__ = ()
    b_ndim = None

    def make_node(self, a_data, a_indices, a_indptr, b):
        inputs = _vectors(a_data, a_indices, a_indptr, b)
        if inputs[3].ndim != self.b_ndim:
            raise TypeError(f"{self} takes a {self.b_ndim}-d b; got {inputs[3].type}")
        return Apply(self, inputs, [TensorType(inputs[3].dtype, (False,))])

    def lower(self, node, inputs, ctx):
        data, indices, indptr, b = inputs
        dtype = node.outputs[0].dtype
        return [cast_tensor(self.combine(cast_tensor(data, dtype), indices, indptr, b), dtype)]


class MulSDCSC(_OnStoredValues):
    """a's values times b (a matrix) at their places, a csc."""
    b_ndim = 2

    def combine(self, data, indices, indptr, b):
        major = value.major_ids(SparseArrays(data, indices, indptr, None))
        return data * value.gather(b, indices, major)


class MulSDCSR(_OnStoredValues):
    """a's values times b (a matrix) at their places, a csr."""
    b_ndim = 2

    def combine(self, data, indices, indptr, b):
        major = value.major_ids(SparseArrays(data, indices, indptr, None))
        return data * value.gather(b, major, indices)


class MulSVCSR(_OnStoredValues):
    """a's values times b[column], a csr."""
    b_ndim = 1

    def combine(self, data, indices, indptr, b):
        return data * tf.gather(b, indices)


class StructuredAddSVCSR(_OnStoredValues):
    """a's values plus b[column], a csr."""
    b_ndim = 1

    def combine(self, data, indices, indptr, b):
        return data + tf.gather(b, indices)


mul_s_d_csc, mul_s_d_csr = MulSDCSC(), MulSDCSR()
mul_s_v_csr = MulSVCSR()
structured_add_s_v_csr = StructuredAddSVCSR()


class SamplingDotCSR(Op):
    """(x, y, p_data, p_ind, p_ptr, p_ncols) -> the arrays (data, indices,
    indptr) of ``sampling_dot(x, y, p)``, p csr."""
    __props__ = ()

    def make_node(self, x, y, p_data, p_ind, p_ptr, p_ncols):
        inputs = _vectors(x, y, p_data, p_ind, p_ptr, p_ncols)
        dtype = dtypes.upcast(*(v.dtype for v in inputs[:3]))
        return Apply(self, inputs, [TensorType(dtype, (False,)),
                                    TensorType(inputs[3].dtype, (False,)),
                                    TensorType(inputs[4].dtype, (False,))])

    def lower(self, node, inputs, ctx):
        x, y, p_data, p_ind, p_ptr, _ = inputs
        dtype = node.outputs[0].dtype
        rows = value.major_ids(SparseArrays(p_data, p_ind, p_ptr, None))
        sampled = tf.reduce_sum(cast_tensor(tf.gather(x, rows), dtype) *
                                cast_tensor(tf.gather(y, p_ind), dtype), axis=1)
        return [cast_tensor(p_data, dtype) * sampled, p_ind, p_ptr]


sampling_dot_csr = SamplingDotCSR()

