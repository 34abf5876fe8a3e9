"""Products: dot (NumPy's semantics, as Theano's), tensordot, batched_dot."""
from tfgraph import dtypes
from tfgraph.graph import Apply, Op, TensorType
from tfgraph.ops.base import as_tensor_variable, cast_tensor, result_dtype
from tfgraph._tf import tf


def _compute_dtype(out_dtype):
    # TF's matmul kernels take no bool or small ints: accumulate those in int64.
    return "int64" if dtypes.is_discrete(out_dtype) else out_dtype


class Dot(Op):
    name = "dot"

    def make_node(self, a, b):
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        if a.ndim == 0 or b.ndim == 0:
            pattern = a.broadcastable or b.broadcastable
        else:
            pattern = a.broadcastable[:-1] + (
                b.broadcastable[:-2] + b.broadcastable[-1:] if b.ndim > 1 else ())
        return Apply(self, [a, b], [TensorType(result_dtype([a, b]), pattern)])

    def lower(self, node, inputs, ctx):
        a_var, b_var = node.inputs
        out_dtype = node.outputs[0].dtype
        a, b = (cast_tensor(t, _compute_dtype(out_dtype)) for t in inputs)
        na, nb = a_var.ndim, b_var.ndim
        if na == 0 or nb == 0:
            result = a * b
        elif na == 2 and nb == 2:
            result = tf.matmul(a, b)
        elif na == 2 and nb == 1:
            result = tf.linalg.matvec(a, b)
        elif na == 1 and nb == 2:
            result = tf.linalg.matvec(b, a, transpose_a=True)
        else:
            result = tf.tensordot(a, b, axes=[[na - 1], [max(nb - 2, 0)]])
        return [cast_tensor(result, out_dtype)]


class TensorDot(Op):
    name = "tensordot"

    def __init__(self, axes):
        self.axes = axes

    def make_node(self, a, b):
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        if isinstance(self.axes, int):
            a_axes = list(range(a.ndim - self.axes, a.ndim))
            b_axes = list(range(self.axes))
        else:
            a_axes, b_axes = ([ax] if isinstance(ax, int) else list(ax) for ax in self.axes)
        if len(a_axes) != len(b_axes):
            raise ValueError(f"tensordot: {a} and {b} need as many axes each, got {self.axes}")
        a_axes = [x % a.ndim for x in a_axes]
        b_axes = [x % b.ndim for x in b_axes]
        self.pairs = (a_axes, b_axes)
        pattern = (tuple(p for d, p in enumerate(a.broadcastable) if d not in a_axes)
                   + tuple(p for d, p in enumerate(b.broadcastable) if d not in b_axes))
        return Apply(self, [a, b], [TensorType(result_dtype([a, b]), pattern)])

    def lower(self, node, inputs, ctx):
        out_dtype = node.outputs[0].dtype
        a, b = (cast_tensor(t, _compute_dtype(out_dtype)) for t in inputs)
        return [cast_tensor(tf.tensordot(a, b, axes=list(self.pairs)), out_dtype)]


class BatchedDot(Op):
    """dot of a[i] and b[i] for each i along the first axis."""
    name = "batched_dot"

    def make_node(self, a, b):
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        if a.ndim < 2 or b.ndim < 2 or a.ndim > 3 or b.ndim > 3:
            raise TypeError(f"batched_dot takes 2-d or 3-d tensors, got {a.ndim}-d {a} "
                            f"and {b.ndim}-d {b}")
        pattern = ((a.broadcastable[0] and b.broadcastable[0],)
                   + a.broadcastable[1:-1] + b.broadcastable[2:])
        return Apply(self, [a, b], [TensorType(result_dtype([a, b]), pattern)])

    def lower(self, node, inputs, ctx):
        out_dtype = node.outputs[0].dtype
        a, b = (cast_tensor(t, _compute_dtype(out_dtype)) for t in inputs)
        spec = {(2, 2): "bi,bi->b", (3, 2): "bij,bj->bi",
                (2, 3): "bi,bij->bj", (3, 3): "bij,bjk->bik"}[(len(a.shape), len(b.shape))]
        return [cast_tensor(tf.einsum(spec, a, b), out_dtype)]


class BatchedTensorDot(Op):
    """tensordot of a[i] and b[i] for each i along the first (batch) axis;
    ``axes`` an int (the last n non-batch axes of a with the first n of b) or
    two lists of axes of a and b, never axis 0."""
    name = "batched_tensordot"

    def __init__(self, axes):
        self.axes = axes

    def pairs(self, a, b):
        if isinstance(self.axes, int):
            n = self.axes
            if n >= a.ndim or n >= b.ndim:
                raise ValueError(f"batched_tensordot: axes={n} is too many for {a} ({a.ndim} "
                                 f"dims) and {b} ({b.ndim} dims)")
            return list(range(a.ndim - n, a.ndim)), list(range(1, n + 1))
        if len(self.axes) != 2:
            raise ValueError(f"batched_tensordot: axes must be an int or two lists, got {self.axes}")
        a_axes, b_axes = ([ax] if isinstance(ax, int) else list(ax) for ax in self.axes)
        a_axes, b_axes = [x % a.ndim for x in a_axes], [x % b.ndim for x in b_axes]
        if len(a_axes) != len(b_axes) or 0 in a_axes or 0 in b_axes:
            raise ValueError(f"batched_tensordot: axes {self.axes} must pair as many axes of "
                             f"{a} and {b}, none of them the batch axis 0")
        return a_axes, b_axes

    def make_node(self, a, b):
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        if a.ndim < 2 or b.ndim < 2:
            raise TypeError(f"batched_tensordot takes tensors of 2 or more dimensions, got "
                            f"{a} ({a.type}) and {b} ({b.type})")
        a_axes, b_axes = self.pairs(a, b)
        pattern = ((a.broadcastable[0] and b.broadcastable[0],)
                   + tuple(p for d, p in enumerate(a.broadcastable) if d and d not in a_axes)
                   + tuple(p for d, p in enumerate(b.broadcastable) if d and d not in b_axes))
        return Apply(self, [a, b], [TensorType(result_dtype([a, b]), pattern)])

    def lower(self, node, inputs, ctx):
        a_var, b_var = node.inputs
        a_axes, b_axes = self.pairs(a_var, b_var)
        letters = iter("abcdefghijklmnopqrstuvwxyz")
        batch = next(letters)
        a_spec = [batch] + [next(letters) for _ in range(a_var.ndim - 1)]
        b_spec = [batch] + [next(letters) for _ in range(b_var.ndim - 1)]
        for i, j in zip(a_axes, b_axes):
            b_spec[j] = a_spec[i]
        out = ([batch] + [c for d, c in enumerate(a_spec) if d and d not in a_axes]
               + [c for d, c in enumerate(b_spec) if d and d not in b_axes])
        out_dtype = node.outputs[0].dtype
        a, b = (cast_tensor(t, _compute_dtype(out_dtype)) for t in inputs)
        spec = f"{''.join(a_spec)},{''.join(b_spec)}->{''.join(out)}"
        return [cast_tensor(tf.einsum(spec, a, b), out_dtype)]
