"""Elementwise arithmetic with sparse matrices: sums, products, comparisons,
and functions of the stored values (``structured_exp``, ``sqrt``, ...).

Results have the structure SciPy's operations give (Theano computed with
them): sums and products of two sparse matrices are canonical (sorted, no
duplicates, no stored zeros); a sparse matrix times a dense one keeps the
sparse one's elements as stored.
"""
from tfgraph import dtypes, tensor as T
from tfgraph.graph import Apply, Op, TensorType, Variable
from tfgraph.ops.base import as_tensor_variable, cast_tensor
from tfgraph.sparse import value
from tfgraph.sparse.construct import (CSM, cast, csm_properties, dense_from_sparse,
                                      gradient_dtypes, sp_ones_like)
from tfgraph.sparse.core import (as_sparse_or_tensor_variable, as_sparse_variable,
                                 check_format, sparse_output, _is_sparse_variable)
from tfgraph.sparse.reduce import sp_sum
from tfgraph._tf import tf


def _shapes_agree(x, y, what):
    return value.equal_sizes(x, y, f"inconsistent shapes: {what}")


class _SparseSparse(Op):
    """An op of two sparse matrices giving one in x's format, of their common dtype."""
    __props__ = ()

    def make_node(self, x, y):
        x, y = as_sparse_variable(x), as_sparse_variable(y)
        check_format(x, self)
        check_format(y, self)
        return Apply(self, [x, y], [sparse_output(x.format, dtypes.upcast(x.dtype, y.dtype))])


class AddSS(_SparseSparse):
    """x + y, both sparse: canonical, in x's format."""

    def lower(self, node, inputs, ctx):
        (x, y), out = inputs, node.outputs[0]
        rx, cx = value.coords(x, node.inputs[0].format)
        ry, cy = value.coords(y, node.inputs[1].format)
        data = tf.concat([cast_tensor(x.data, out.dtype), cast_tensor(y.data, out.dtype)], 0)
        shape = value.checked(x.shape, _shapes_agree(x.shape, y.shape, "x + y"))
        return [value.canonical(tf.concat([rx, ry], 0), tf.concat([cx, cy], 0), data, shape,
                                out.type.format)]

    def grad(self, inputs, output_grads):
        return [output_grads[0], output_grads[0]]


add_s_s = AddSS()


class AddSSData(Op):
    """x + y for two sparse matrices with the same elements stored in the
    same order: x's structure, with the values added."""
    __props__ = ()

    def make_node(self, x, y):
        x, y = as_sparse_variable(x), as_sparse_variable(y)
        check_format(x, self)
        if x.type != y.type:
            raise NotImplementedError(f"AddSSData takes matrices of one type; got {x.type} "
                                      f"and {y.type}")
        return Apply(self, [x, y], [x.type])

    def lower(self, node, inputs, ctx):
        x, y = inputs
        assertion = _shapes_agree(tf.concat([x.shape, tf.shape(x.data)], 0),
                                  tf.concat([y.shape, tf.shape(y.data)], 0),
                                  "AddSSData takes matrices of one shape and one structure")
        x, y = value.checked((x, y), assertion)  # the check first
        return [value.with_data(x, x.data + y.data)]

    def grad(self, inputs, output_grads):
        return [output_grads[0] if g else None for g in gradient_dtypes(inputs)]


add_s_s_data = AddSSData()


class AddSD(Op):
    """x + y, x sparse and y a dense matrix of its shape: dense."""
    __props__ = ()

    def make_node(self, x, y):
        x, y = as_sparse_variable(x), as_tensor_variable(y)
        check_format(x, self)
        if y.ndim != 2:
            raise TypeError(f"AddSD adds a dense matrix; {y} has {y.ndim} dimensions")
        return Apply(self, [x, y], [TensorType(dtypes.upcast(x.dtype, y.dtype), y.broadcastable)])

    def lower(self, node, inputs, ctx):
        (x, y), dtype = inputs, node.outputs[0].dtype
        dense = value.to_dense(x, node.inputs[0].format)
        y = value.checked(y, _shapes_agree(x.shape, tf.shape(y), "sparse + dense"))
        return [cast_tensor(dense, dtype) + cast_tensor(y, dtype)]

    def grad(self, inputs, output_grads):
        (x, _), (gz,) = inputs, output_grads
        return [sp_ones_like(x) * gz, gz]


add_s_d = AddSD()


class _WithVector(Op):
    """``combine(x, y[j])`` at x's nonzero elements in column j, y a vector
    of x's dtype (broadcast along the rows): sparse, canonical (zeros the
    result has are not stored, as SciPy's ``x.__class__(dense)``)."""
    __props__ = ()
    combine = None

    def make_node(self, x, y):
        x, y = as_sparse_variable(x), as_tensor_variable(y)
        check_format(x, self)
        if y.ndim != 1:
            raise TypeError(f"{self} takes a vector; {y} has {y.ndim} dimensions")
        if x.dtype != y.dtype:
            raise NotImplementedError(f"{self} not implemented for differing dtypes. Got "
                                      f"{x.dtype} and {y.dtype}.")
        return Apply(self, [x, y], [x.type])

    def lower(self, node, inputs, ctx):
        (x, y), format = inputs, node.inputs[0].format
        y = value.checked(y, _shapes_agree(x.shape[1], tf.size(y), "x.shape[1] != len(y)"))
        nonzero = value.canonical_of(x, format)
        _, cols = value.coords(nonzero, format)
        result = value.with_data(nonzero, self.combine(nonzero.data, tf.gather(y, cols)))
        return [value.keep(result, format, value.nonzero(result.data))]


class StructuredAddSV(_WithVector):
    """x + y[j] added to x's nonzero elements in column j."""
    combine = staticmethod(tf.add)

    def grad(self, inputs, output_grads):
        (gz,) = output_grads
        return [gz, sp_sum(gz, axis=0, sparse_grad=True)]


structured_add_s_v = StructuredAddSV()


def _operands(x, y, what):
    """(x, y, x sparse, y sparse) as variables; TypeError unless one is sparse."""
    x, y = as_sparse_or_tensor_variable(x), as_sparse_or_tensor_variable(y)
    x_sparse, y_sparse = _is_sparse_variable(x), _is_sparse_variable(y)
    if not (x_sparse or y_sparse):
        raise TypeError(f"sparse {what} takes at least one sparse matrix; got {x} ({x.type}) "
                        f"and {y} ({y.type})")
    return x, y, x_sparse, y_sparse


def add(x, y):
    """x + y, at least one sparse: sparse if both are, else dense."""
    x, y, x_sparse, y_sparse = _operands(x, y, "add")
    if x_sparse and y_sparse:
        return add_s_s(x, y)
    return add_s_d(x, y) if x_sparse else add_s_d(y, x)


def sub(x, y):
    """x - y, at least one sparse."""
    return x + (-y)


class MulSS(_SparseSparse):
    """x * y elementwise, both sparse: the product where both store
    nonzeros, canonical, in x's format."""

    def lower(self, node, inputs, ctx):
        (x, y), out = inputs, node.outputs[0]
        format = out.type.format
        shape = value.checked(x.shape, _shapes_agree(x.shape, y.shape, "x * y"))
        x = value.canonical_of(x, node.inputs[0].format)
        y = value.canonical_of(y, node.inputs[1].format)
        # Each key is at most once in x and once in y: after sorting both
        # together, a key met twice in a row is a place both store.
        parts = [(value.keys(*value.coords(v, f), shape, format), cast_tensor(v.data, out.dtype))
                 for v, f in ((x, node.inputs[0].format), (y, node.inputs[1].format))]
        keys = tf.concat([parts[0][0], parts[1][0]], 0)
        data = tf.concat([parts[0][1], parts[1][1]], 0)
        order = tf.argsort(keys, stable=True)
        keys, data = tf.gather(keys, order), tf.gather(data, order)
        both = tf.equal(keys[1:], keys[:-1])
        product = tf.boolean_mask(data[1:] * data[:-1], both)
        keys = tf.boolean_mask(keys[1:], both)
        nonzero = value.nonzero(product)
        return [value.from_keys(tf.boolean_mask(keys, nonzero),
                                tf.boolean_mask(product, nonzero), shape, format)]

    def grad(self, inputs, output_grads):
        (x, y), (gz,) = inputs, output_grads
        return [y * gz, x * gz]


mul_s_s = MulSS()


class MulSD(Op):
    """x * y, x sparse and y a dense scalar or matrix: x's elements (as
    stored) times y's at their places."""
    __props__ = ()

    def make_node(self, x, y):
        x, y = as_sparse_variable(x), as_tensor_variable(y)
        check_format(x, self)
        if y.ndim not in (0, 2):
            raise TypeError(f"MulSD multiplies by a scalar or a matrix; {y} has {y.ndim} "
                            f"dimensions (use mul_s_v, row_scale or col_scale for a vector)")
        return Apply(self, [x, y], [sparse_output(x.format, dtypes.upcast(x.dtype, y.dtype))])

    def lower(self, node, inputs, ctx):
        (x, y), dtype = inputs, node.outputs[0].dtype
        y = cast_tensor(y, dtype)
        if node.inputs[1].ndim == 2:
            y = value.checked(y, _shapes_agree(x.shape, tf.shape(y), "sparse * dense"))
            y = value.gather(y, *value.coords(x, node.inputs[0].format))
        return [value.with_data(x, cast_tensor(x.data, dtype) * y)]

    def grad(self, inputs, output_grads):
        (x, y), (gz,) = inputs, output_grads
        if y.ndim == 0:  # a scalar's gradient sums over every place
            return [y * gz, sp_sum(x * gz)]
        return [y * gz, dense_from_sparse(x * gz)]


mul_s_d = MulSD()


class MulSV(_WithVector):
    """x * y, y a vector broadcast along the rows."""
    combine = staticmethod(tf.multiply)

    def grad(self, inputs, output_grads):
        (x, y), (gz,) = inputs, output_grads
        dtype = dtypes.upcast(gz.dtype, y.dtype)
        gz = gz if gz.dtype == dtype else cast(gz, dtype)
        y = T.cast(y, dtype)
        return [mul_s_v(gz, y), sp_sum(x * gz, axis=0, sparse_grad=True)]


mul_s_v = MulSV()


def mul(x, y):
    """x * y elementwise, at least one sparse (a float32 sparse matrix is
    first cast to float64 when the other operand is float64, as Theano)."""
    x, y, x_sparse, y_sparse = _operands(x, y, "mul")
    if not x_sparse:
        return mul_s_d(y, x)
    if y.dtype == "float64" and x.dtype == "float32":
        x = cast(x, "float64")
    return mul_s_s(x, y) if y_sparse else mul_s_d(x, y)


# --- comparisons ---------------------------------------------------------------------

class _ComparisonSS(Op):
    """``relation(x, y)`` of two sparse matrices of one format, as a sparse
    uint8 matrix (1 where it holds)."""
    __props__ = ()
    relation = None

    def make_node(self, x, y):
        x, y = as_sparse_variable(x), as_sparse_variable(y)
        check_format(x, self)
        if x.format != y.format:
            raise NotImplementedError(f"{self} compares matrices of one format; got {x.type} "
                                      f"and {y.type}")
        return Apply(self, [x, y], [sparse_output(x.format, "uint8")])

    def lower(self, node, inputs, ctx):
        y_dense = value.to_dense(inputs[1], node.inputs[1].format)
        holds = _relation(self.relation, node, inputs, y_dense)
        return [value.from_dense(tf.cast(holds, "uint8"), node.outputs[0].type.format)]


class _ComparisonSD(Op):
    """``relation(x, y)``, x sparse and y dense, as a dense uint8 matrix."""
    __props__ = ()
    relation = None

    def make_node(self, x, y):
        x, y = as_sparse_variable(x), as_tensor_variable(y)
        check_format(x, self)
        if y.ndim != 2:
            raise TypeError(f"{self} compares with a matrix; {y} has {y.ndim} dimensions")
        return Apply(self, [x, y], [TensorType("uint8", (False, False))])

    def lower(self, node, inputs, ctx):
        return [tf.cast(_relation(self.relation, node, inputs, inputs[1]), "uint8")]


def _relation(relation, node, inputs, y_dense):
    """``relation`` of x (made dense) and ``y_dense``, in their common dtype."""
    x, dtype = inputs[0], dtypes.upcast(*(v.dtype for v in node.inputs))
    x_dense = value.to_dense(x, node.inputs[0].format)
    y_dense = value.checked(y_dense, _shapes_agree(x.shape, tf.shape(y_dense), str(node.op)))
    return relation(cast_tensor(x_dense, dtype), cast_tensor(y_dense, dtype))


class EqualSS(_ComparisonSS):
    relation = staticmethod(tf.equal)


class EqualSD(_ComparisonSD):
    relation = staticmethod(tf.equal)


class NotEqualSS(_ComparisonSS):
    relation = staticmethod(tf.not_equal)


class NotEqualSD(_ComparisonSD):
    relation = staticmethod(tf.not_equal)


class LessThanSS(_ComparisonSS):
    relation = staticmethod(tf.less)


class LessThanSD(_ComparisonSD):
    relation = staticmethod(tf.less)


class GreaterThanSS(_ComparisonSS):
    relation = staticmethod(tf.greater)


class GreaterThanSD(_ComparisonSD):
    relation = staticmethod(tf.greater)


class LessEqualSS(_ComparisonSS):
    relation = staticmethod(tf.less_equal)


class LessEqualSD(_ComparisonSD):
    relation = staticmethod(tf.less_equal)


class GreaterEqualSS(_ComparisonSS):
    relation = staticmethod(tf.greater_equal)


class GreaterEqualSD(_ComparisonSD):
    relation = staticmethod(tf.greater_equal)


equal_s_s, equal_s_d = EqualSS(), EqualSD()
not_equal_s_s, not_equal_s_d = NotEqualSS(), NotEqualSD()
less_than_s_s, less_than_s_d = LessThanSS(), LessThanSD()
greater_than_s_s, greater_than_s_d = GreaterThanSS(), GreaterThanSD()
less_equal_s_s, less_equal_s_d = LessEqualSS(), LessEqualSD()
greater_equal_s_s, greater_equal_s_d = GreaterEqualSS(), GreaterEqualSD()


def _comparison(both_sparse, sparse_dense, dense_sparse, name):
    """The comparison of two matrices, at least one sparse; ``dense_sparse``
    compares (sparse y, dense x), the relation reversed."""
    def compare(x, y):
        x, y, x_sparse, y_sparse = _operands(x, y, name)
        if x_sparse and y_sparse:
            return both_sparse(x, y)
        return sparse_dense(x, y) if x_sparse else dense_sparse(y, x)
    compare.__name__ = name
    compare.__doc__ = f"``{name}(x, y)`` with at least one of x and y sparse."
    return compare


eq = _comparison(equal_s_s, equal_s_d, equal_s_d, "eq")
neq = _comparison(not_equal_s_s, not_equal_s_d, not_equal_s_d, "neq")
lt = _comparison(less_than_s_s, less_than_s_d, greater_than_s_d, "lt")
gt = _comparison(greater_than_s_s, greater_than_s_d, less_than_s_d, "gt")
le = _comparison(less_equal_s_s, less_equal_s_d, greater_equal_s_d, "le")
ge = _comparison(greater_equal_s_s, greater_equal_s_d, less_equal_s_d, "ge")


# --- functions of the stored values ---------------------------------------------------

def _on_values(tensor_op, name, doc):
    """``name(x, *scalars)``: ``tensor_op`` applied to the stored values of
    sparse ``x`` (and the scalars); x's structure is kept, and so does the
    gradient keep it."""
    def apply(x, *scalars):
        x = as_sparse_variable(x)
        check_format(x, name)
        scalars = [a if isinstance(a, Variable) else T.constant(a) for a in scalars]
        data, indices, indptr, shape = csm_properties(x)
        return CSM(x.format)(tensor_op(data, *scalars), indices, indptr, shape)
    apply.__name__, apply.__doc__ = name, doc
    return apply


def structured_monoid(tensor_op):
    """Decorator: the function it decorates (named and documented, its body
    unused) becomes ``tensor_op`` applied to a sparse matrix's stored values."""
    def decorator(f):
        return _on_values(tensor_op, f.__name__, f.__doc__)
    return decorator


structured_sigmoid = _on_values(T.nnet.sigmoid, "structured_sigmoid", "Structured sigmoid.")
structured_exp = _on_values(T.exp, "structured_exp", "Structured exponential.")
structured_log = _on_values(T.log, "structured_log", "Structured logarithm.")
structured_pow = _on_values(T.pow, "structured_pow", "Structured power x ** y (y a scalar).")
structured_minimum = _on_values(T.minimum, "structured_minimum",
                                 "Structured minimum of x and scalar y.")
structured_maximum = _on_values(T.maximum, "structured_maximum",
                                 "Structured maximum of x and scalar y.")
structured_add = _on_values(T.add, "structured_add", "Structured addition of scalar y.")
sin = _on_values(T.sin, "sin", "Elemwise sine of x.")
tan = _on_values(T.tan, "tan", "Elemwise tangent of x.")
arcsin = _on_values(T.arcsin, "arcsin", "Elemwise arcsine of x.")
arctan = _on_values(T.arctan, "arctan", "Elemwise arctangent of x.")
sinh = _on_values(T.sinh, "sinh", "Elemwise sinh of x.")
arcsinh = _on_values(T.arcsinh, "arcsinh", "Elemwise arcsinh of x.")
tanh = _on_values(T.tanh, "tanh", "Elemwise tanh of x.")
arctanh = _on_values(T.arctanh, "arctanh", "Elemwise arctanh of x.")
rint = _on_values(T.round_half_to_even, "rint", "Elemwise round half to even of x.")
sgn = _on_values(T.sgn, "sgn", "Elemwise sign of x.")
ceil = _on_values(T.ceil, "ceil", "Elemwise ceiling of x.")
floor = _on_values(T.floor, "floor", "Elemwise floor of x.")
log1p = _on_values(T.log1p, "log1p", "Elemwise log(1 + x).")
expm1 = _on_values(T.expm1, "expm1", "Elemwise e^x - 1.")
deg2rad = _on_values(T.deg2rad, "deg2rad", "Elemwise degrees to radians.")
rad2deg = _on_values(T.rad2deg, "rad2deg", "Elemwise radians to degrees.")
trunc = _on_values(T.trunc, "trunc", "Elemwise truncation.")
sqr = _on_values(T.sqr, "sqr", "Elemwise x * x.")
sqrt = _on_values(T.sqrt, "sqrt", "Elemwise square root of x.")
conj = _on_values(T.conj, "conj", "Elemwise complex conjugate of x.")
