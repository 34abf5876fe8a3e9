"""Theano 1.0.5's op classes and names where code observes them, and the
values and types of its ops: each test cites the function of the 1.0.5
sdist (theano/...) whose behaviour it checks."""
import pickle

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.scalar as scalar
import tfgraph.tensor as T
from tfgraph import gradient
from tfgraph.compile.errors import ExecutionValueError
from tfgraph.tensor import inplace, raw_random
from tfgraph.tensor.elemwise import (All, Any, CAReduce, DimShuffle, Elemwise, Prod,
                                     ProdWithoutZeros, Sum)
from tfgraph.tensor.signal.pool import Pool
from tfgraph.tensor.slinalg import Cholesky
from tfgraph.tensor.subtensor import (AdvancedIncSubtensor, AdvancedIncSubtensor1,
                                      AdvancedSubtensor, AdvancedSubtensor1, IncSubtensor,
                                      Subtensor, get_canonical_form_slice)


# --- op classes and names (item 3) ---------------------------------------------------

def test_elementwise_ops_are_elemwise_ops_of_theano_scalar_ops():
    """tensor/basic.py _scal_elemwise: T.add is Elemwise(scalar.add) named
    Elemwise{add,no_inplace}; tensor/elemwise.py Elemwise.__str__."""
    x, y = T.dmatrix("x"), T.dmatrix("y")
    node = (x + y).owner
    assert isinstance(node.op, T.Elemwise) and isinstance(node.op, Elemwise)
    assert isinstance(node.op.scalar_op, scalar.Add) and isinstance(node.op.scalar_op,
                                                                    scalar.basic.Add)
    assert node.op.scalar_op == scalar.add and node.op.scalar_op is scalar.add
    assert T.exp(x).owner.op.scalar_op == scalar.exp and not isinstance(
        T.exp(x).owner.op.scalar_op, scalar.Add)
    assert str(T.add) == "Elemwise{add,no_inplace}" and str(T.true_div) == \
        "Elemwise{true_div,no_inplace}"
    assert str(T.nnet.sigmoid) == "sigmoid"   # nnet/sigm.py names it itself
    assert str(T.cast(x, "float32").owner.op) == "Elemwise{Cast{float32}}"
    assert str(Elemwise(scalar.add)) == "Elemwise{add}"
    in_place = Elemwise(scalar.Add(scalar.transfer_type(0)), {0: 0})
    assert str(in_place) == "Elemwise{Add}[(0, 0)]" and in_place.destroy_map == {0: [0]}
    assert Elemwise(scalar.add) == T.add and hash(Elemwise(scalar.add)) == hash(T.add)
    # An Elemwise built from a scalar op computes as the table's op does.
    f = theano.function([x, y], [Elemwise(scalar.add)(x, y), in_place(x, y),
                                 Elemwise(scalar.maximum)(x, 0.5)])
    a, b = np.arange(6.).reshape(2, 3), np.ones((2, 3))
    total, again, clipped = f(a, b)
    np.testing.assert_array_equal(total, a + b)
    np.testing.assert_array_equal(again, a + b)
    np.testing.assert_array_equal(clipped, np.maximum(a, 0.5))
    with pytest.raises(TypeError, match="scalar op"):
        Elemwise("add")
    with pytest.raises(ValueError, match="broadcasted"):      # as get_output_info
        in_place(T.drow("r"), x)
    with pytest.raises(TypeError, match="incompatible"):
        Elemwise(scalar.add, {0: 0})(T.ivector("i"), T.dvector("d"))


def test_a_scalar_op_written_for_theano_runs_elementwise_and_says_its_gradient():
    """tests/test_elemwise.py test_not_implemented_elemwise_grad: a ScalarOp
    with impl and grad, applied by Elemwise; grad_not_implemented raises."""
    class TimesN(scalar.ScalarOp):
        nin = 2

        def __init__(self):
            self.output_types_preference = scalar.upgrade_to_float

        def impl(self, n, x):
            return x * n

        def grad(self, inputs, gout):
            n, x = inputs
            return [gradient.grad_not_implemented(self, 0, n), gout[0] * n]

    op = T.Elemwise(TimesN())
    x = T.dvector("x")
    f = theano.function([x], [op(2, x), T.grad(op(2, x).sum(), x)])
    values, grads = f([1.0, 2.0])
    np.testing.assert_array_equal(values, [2.0, 4.0])
    np.testing.assert_array_equal(grads, [2.0, 2.0])
    with pytest.raises(gradient.NullTypeGradError):
        T.grad(op(x, 2).sum(), x)


def test_scalar_types_print_as_theano_prints_them():
    """scalar/basic.py Scalar.__str__: str(theano.scalar.int8) == 'int8', so
    that T.matrix(dtype=str(t)) works for every scalar type."""
    assert str(scalar.int8) == "int8" and repr(scalar.float32) == "Scalar(float32)"
    for t in scalar.all_types:
        assert T.matrix(dtype=str(t)).dtype == t.dtype
    assert len(scalar.all_types) == 14 and scalar.discrete_types[0] == scalar.bool
    a, b = scalar.float64("a"), scalar.int32()
    assert a.ndim == 0 and a.type == scalar.float64 and b.dtype == "int32"
    assert theano.function([a], scalar.add(a, 1))(2.5) == 3.5
    assert str(scalar.convert_to_int8) == "Cast{int8}" and scalar.upcast("int8", "float32") \
        == "float32"
    with pytest.raises(TypeError, match="dimensions"):
        scalar.as_scalar(T.dvector())


def test_reductions_are_theano_careduce_ops():
    """tensor/elemwise.py CAReduce / CAReduceDtype / Sum / Prod / All / Any
    and their __str__; tensor/basic.py sum and prod build them."""
    x, i = T.fmatrix("x"), T.bmatrix("i")
    s = x.sum()
    assert isinstance(s.owner.op, Sum) and isinstance(s.owner.op, CAReduce)
    assert str(s.owner.op) == "Sum{acc_dtype=float64}" and s.owner.op.acc_dtype == "float64"
    assert str(x.sum(axis=[1, 0]).owner.op) == "Sum{axis=[0, 1], acc_dtype=float64}"
    assert str(x.sum(axis=-1).owner.op) == "Sum{axis=[1], acc_dtype=float64}"
    assert str(i.prod().owner.op) == "Prod{acc_dtype=int64}" and i.prod().dtype == "int64"
    assert str(x.all().owner.op) == "All" and str(x.any(axis=0).owner.op) == "Any{0}"
    assert isinstance(x.all().owner.op, All) and isinstance(x.any().owner.op, Any)
    maxima = CAReduce(scalar.maximum, axis=1)
    assert str(maxima) == "Reduce{maximum}{1}"
    xors = CAReduce(scalar.xor, axis=0)(i)
    ands = CAReduce(scalar.and_)(i)
    f = theano.function([x, i], [maxima(x), xors, ands, Prod(axis=0)(x)])
    xv = np.arange(6, dtype="float32").reshape(2, 3)
    iv = np.array([[3, 5, -1], [6, 1, -128]], dtype="int8")
    m, xr, an, p = f(xv, iv)
    np.testing.assert_array_equal(m, xv.max(1))
    np.testing.assert_array_equal(xr, np.bitwise_xor.reduce(iv, 0))
    assert an == np.bitwise_and.reduce(iv.ravel()) and p.dtype == np.float32
    with pytest.raises(TypeError, match="precision would be lost"):
        T.dmatrix().sum(acc_dtype="float32")
    with pytest.raises(ValueError, match="Not enough dimensions"):
        Sum(axis=2)(x)


def test_dimshuffle_is_theanos_op():
    """tensor/elemwise.py DimShuffle.__init__ / make_node / __str__ (always
    in place in 1.0.5, printed InplaceDimShuffle{...})."""
    v = T.dvector("v")
    op = DimShuffle((False,), ("x", 0))
    assert str(op) == "InplaceDimShuffle{x,0}" and op.new_order == ("x", 0)
    assert op.input_broadcastable == (False,) and op.augment == [0] and op.drop == []
    assert str(v.dimshuffle(0, "x").owner.op) == "InplaceDimShuffle{0,x}"
    assert DimShuffle((True, False), [1]).drop == [0]
    with pytest.raises(ValueError, match="non-broadcastable"):
        DimShuffle((False, True, False), (1,))
    with pytest.raises(ValueError, match="twice"):
        DimShuffle((False, True, False), (0, 1, 2, 0))
    with pytest.raises(ValueError, match="inplace"):
        DimShuffle((False,), (0,), inplace=False)
    with pytest.raises(TypeError, match="number of dimensions"):
        op(T.dmatrix())
    with pytest.raises(TypeError, match="broadcastable pattern"):
        DimShuffle((True,), ())(v)
    assert theano.function([v], op(v))([1.0, 2.0]).shape == (1, 2)


def test_indexing_builds_theanos_op_classes_with_their_names():
    """tensor/subtensor.py Subtensor.__str__ / str_from_slice (constants are
    int64 entries), IncSubtensor.__str__, AdvancedIncSubtensor1.__str__,
    BaseAdvancedIncSubtensor.__str__; tensor/var.py __getitem__ picks the class."""
    x, i, iv = T.dmatrix("x"), T.iscalar("i"), T.lvector("iv")
    names = {
        x[0]: "Subtensor{int64}", x[1:]: "Subtensor{int64::}", x[:2]: "Subtensor{:int64:}",
        x[::-1]: "Subtensor{::int64}", x[1:3, i]: "Subtensor{int64:int64:, int32}",
        x[..., 0]: "Subtensor{::, int64}", x[iv]: "AdvancedSubtensor1",
        x[iv, :]: "AdvancedSubtensor1", x[:, iv]: "AdvancedSubtensor",
        x[iv, iv]: "AdvancedSubtensor", x[x > 0]: "AdvancedBooleanSubtensor",
    }
    for var, name in names.items():
        assert str(var.owner.op) == name
    assert type(x[0].owner.op) is Subtensor and type(x[iv].owner.op) is AdvancedSubtensor1
    assert type(x[iv, iv].owner.op) is AdvancedSubtensor
    assert x[1:3, i].owner.op.idx_list == (slice(scalar.int64, scalar.int64, None),
                                          scalar.int32)
    updates = {T.set_subtensor(x[0], 1.0): ("IncSubtensor{Set;int64}", IncSubtensor),
               T.inc_subtensor(x[1:, i], 1.0): ("IncSubtensor{Inc;int64::, int32}",
                                                IncSubtensor),
               T.inc_subtensor(x[iv], 1.0): ("AdvancedIncSubtensor1{no_inplace,inc}",
                                             AdvancedIncSubtensor1),
               T.set_subtensor(x[iv, iv], 1.0): (
                   "AdvancedIncSubtensor{inplace=False,  set_instead_of_inc=True}",
                   AdvancedIncSubtensor)}
    for var, (name, cls) in updates.items():
        assert str(var.owner.op) == name and type(var.owner.op) is cls
    assert updates and T.set_subtensor(x[0], 1.0).owner.op.set_instead_of_inc
    # tests/test_printing.py test_subtensor
    assert theano.pp(T.dvector()[1]) == "<TensorType(float64, vector)>[Constant{1}]"
    # The ops called as Theano's functions: advanced_subtensor1(x, ilist), ...
    jv = T.lvector("jv")
    f = theano.function([x, iv, jv], [T.advanced_subtensor1(x, iv),
                                      T.advanced_set_subtensor1(x, 7.0, iv),
                                      AdvancedSubtensor()(x, iv, jv)])
    xv = np.arange(6.).reshape(3, 2)
    rows, filled, picked = f(xv, [2, 0], [1, 0])
    np.testing.assert_array_equal(rows, xv[[2, 0]])
    np.testing.assert_array_equal(filled, [[7, 7], [2, 3], [7, 7]])
    np.testing.assert_array_equal(picked, xv[[2, 0], [1, 0]])
    with pytest.raises(TypeError, match="vector"):
        T.advanced_subtensor1(x, T.lmatrix())
    with pytest.raises(TypeError, match="integers"):
        T.advanced_subtensor1(x, x)
    assert pickle.loads(pickle.dumps(T.advanced_inc_subtensor1)) is T.advanced_inc_subtensor1


def test_inplace_functions_give_the_same_values():
    """tensor/inplace.py _scal_inplace: add_inplace is Elemwise(Add(transfer_type(0)),
    {0: 0}, name='add_inplace'); here it computes the same values."""
    a, b = T.dvector("a"), T.dvector("b")
    assert str(inplace.add_inplace) == "add_inplace" and str(inplace.exp_inplace) == \
        "exp_inplace"
    assert inplace.add_inplace.destroy_map == {0: [0]}
    assert inplace.add_inplace.scalar_op == scalar.Add(scalar.transfer_type(0))
    f = theano.function([a, b], [inplace.add_inplace(a, b), inplace.exp_inplace(a),
                                 inplace.sqr_inplace(a), inplace.fill_inplace(a, b)])
    av, bv = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    total, exponent, square, filled = f(av, bv)
    np.testing.assert_array_equal(total, [4.0, 7.0])
    np.testing.assert_allclose(exponent, np.exp([1.0, 2.0]))
    np.testing.assert_array_equal(square, [1.0, 4.0])
    np.testing.assert_array_equal(filled, bv)
    np.testing.assert_array_equal(av, [1.0, 2.0])   # the input is left as it was
    assert pickle.loads(pickle.dumps(inplace.add_inplace)) is inplace.add_inplace
    # transfer_type(0): the result has the dtype of the input it overwrites.
    assert inplace.add_inplace(T.ivector(), b).dtype == "int32"


def test_debugprint_prints_as_theano():
    """tests/test_printing.py test_debugprint: ids 'int', 'CHAR', '' and
    stop_on_name, with Theano's spacing; printing.py min_informative_str."""
    A, B, D, E = (T.matrix(name=n) for n in "ABDE")
    C = A + B
    C.name = "C"
    G = C + (D + E)
    expected = {
        "int": ["Elemwise{add,no_inplace} [id 0] ''   ", " |Elemwise{add,no_inplace} [id 1] 'C'   ",
                " | |A [id 2]", " | |B [id 3]", " |Elemwise{add,no_inplace} [id 4] ''   ",
                "   |D [id 5]", "   |E [id 6]"],
        "": ["Elemwise{add,no_inplace}  ''   ", " |Elemwise{add,no_inplace}  'C'   ",
             " | |A ", " | |B ", " |Elemwise{add,no_inplace}  ''   ", "   |D ", "   |E "],
    }
    for ids, lines in expected.items():
        assert theano.printing.debugprint(G, file="str", ids=ids) == "\n".join(lines) + "\n"
    stopped = theano.printing.debugprint(G, file="str", stop_on_name=True).splitlines()
    assert stopped[1] == " |Elemwise{add,no_inplace} [id B] 'C'   " and \
        stopped[2].startswith(" |Elemwise{add,no_inplace} [id C]")
    assert theano.printing.debugprint(G, file="str", depth=1) == \
        "Elemwise{add,no_inplace} [id A] ''   \n"
    with pytest.raises(ValueError, match="ids"):
        theano.printing.debugprint(G, file="str", ids="hex")
    # tests/test_printing.py test_min_informative_str; a repeated variable is its tag
    assert theano.printing.min_informative_str(G) == "\n".join([
        "A. Elemwise{add,no_inplace}", " B. C", " C. Elemwise{add,no_inplace}", "  D. D",
        "  E. E"])
    assert theano.printing.min_informative_str(C * C).splitlines()[2] == " <B>"


def test_canonical_form_of_slices():
    """tensor/subtensor.py get_canonical_form_slice: a[start:stop:step] is
    a[canonical][::reverse]."""
    start, stop, step, length = (T.lscalar(n) for n in "abcl")
    canonical, reverse = get_canonical_form_slice(slice(start, stop, step), length)
    f = theano.function([start, stop, step, length],
                        [canonical.start, canonical.stop, canonical.step, reverse])
    a = np.arange(5)
    for b in (-8, -4, -1, 0, 1, 4, 8):
        for e in (-8, -4, -1, 0, 1, 4, 8):
            for s in (-3, -1, 2, 5):
                lo, hi, by, rev = (int(v) for v in f(b, e, s, 5))
                assert 0 <= lo <= hi <= 5 and by > 0
                np.testing.assert_array_equal(a[lo:hi:by][::rev], a[b:e:s])


# --- semantics (item 4) ----------------------------------------------------------------

def test_float32_sums_and_means_accumulate_in_float64():
    """tensor/elemwise.py CAReduceDtype._acc_dtype (float32 -> float64) and
    tensor/basic.py mean; tests/test_elemwise.py test_reduce_precision,
    test_mean_precision."""
    x = theano.shared(np.float32([1e8, 1, -1e8]))
    f = theano.function([], [x.sum(), x.mean(), x.prod()])
    total, mean, _ = f()
    assert total == 1.0 and total.dtype == np.float32
    np.testing.assert_allclose(mean, 1 / 3, rtol=1e-6)
    assert mean.dtype == np.float32
    expected = {"bool": "int64", "int8": "int64", "uint16": "uint64", "int64": "int64",
                "float16": "float16", "float32": "float32", "complex64": "complex64"}
    for dtype, out in expected.items():
        assert T.matrix(dtype=dtype).sum().dtype == out
    assert T.imatrix().mean().dtype == "float64"
    assert T.matrix(dtype="float16").mean().dtype == "float16"
    assert T.fmatrix().mean(dtype="float64").dtype == "float64"


def test_lstsq_on_integer_matrices():
    """tensor/nlinalg.py lstsq.perform: numpy.linalg.lstsq, whose LAPACK
    treats rcond >= 1 (and <= 0) as machine precision;
    tests/test_nlinalg.py T_lstsq.test_correct_solution."""
    x, y, z = T.lmatrix(), T.lmatrix(), T.lscalar()
    f = theano.function([x, y, z], T.nlinalg.lstsq()(x, y, z))
    a, b = np.array([[2, 1], [3, 4]]), np.array([[17, 20], [43, 50]])
    for rcond in (1, -1, 0):
        solution, _, rank, _ = f(a, b, rcond)
        np.testing.assert_allclose(a @ solution, b)
        assert rank == 2
    cut = T.dscalar("rcond")
    g = theano.function([x, y, cut], T.nlinalg.lstsq()(x, y, cut)[2])
    assert g(a, b, 0.5) == 1                # 0.93 <= 0.5 * 5.40: counted as zero
    with pytest.raises(TypeError, match="matrix"):
        T.nlinalg.lstsq()(T.dvector(), T.dvector(), 1)


def test_reduction_axes_as_theano_takes_them():
    """tensor/basic.py check_and_normalize_axes (a 0-d array is an axis) and
    MaxAndArgmax.perform (argmax over several axes is the flat index over
    them); tests/test_elemwise.py test_reduce_axes."""
    x = T.dmatrix("x")
    xv = np.array([[3.0, 9.0, 1.0], [4.0, 0.0, 9.5]])
    for axis in (None, 0, 1, [0, 1], np.array(1), [np.array(0), np.array(1)]):
        for method in ("sum", "mean", "max", "min", "argmax", "var"):
            getattr(x, method)(axis)
    f = theano.function([x], [x.max(np.array(0)), x.argmax([0, 1]), x.argmax(1),
                              x.argmin([1, 0]), x.min(axis=0, keepdims=True),
                              x.max(keepdims=True)])
    m, flat, rows, flat_min, low, high = f(xv)
    np.testing.assert_array_equal(m, xv.max(0))
    assert flat == 5 and flat_min == 4
    np.testing.assert_array_equal(rows, [1, 2])
    np.testing.assert_array_equal(low, xv.min(0, keepdims=True))
    assert high.shape == (1, 1) and high[0, 0] == 9.5
    assert isinstance(x.max().owner.op, T.MaxAndArgmax) and x.max().owner.outputs[1].dtype == \
        "int64"
    with pytest.raises(TypeError, match="constant axis"):
        x.sum(axis=T.lscalar())
    with pytest.raises(ValueError, match="out of range"):
        x.max(axis=2)


def test_indexing_with_an_empty_list():
    """tensor/var.py __getitem__: an empty list is an empty int64 array
    (is_empty_array), so x[:, []] has shape (2, 0)."""
    x = T.dmatrix("x")
    f = theano.function([x], [x[:, []], x[[]]])
    wide, none = f(np.ones((2, 3)))
    assert wide.shape == (2, 0) and none.shape == (0, 3)


def test_sort_along_a_symbolic_axis():
    """tensor/sort.py SortOp.make_node / perform (the axis an input, an
    integer-valued scalar) and its grad; tests/test_sort.py test2, test4."""
    a, axis = T.dmatrix("a"), T.scalar("axis")
    sorted_, order = T.sort(a, axis), T.argsort(a, axis)
    f = theano.function([a, axis], [sorted_, order, T.grad(sorted_[0].sum(), a)])
    m = np.random.RandomState(0).rand(3, 4)
    for value in (0, 1, -1, -2):
        out, indices, grad = f(m, value)
        np.testing.assert_array_equal(out, np.sort(m, value))
        np.testing.assert_array_equal(indices, np.argsort(m, value))
    assert grad.sum() == 4 and set(np.unique(grad)) == {0.0, 1.0}
    with pytest.raises(ExecutionValueError, match="integer"):
        f(m, 0.5)
    with pytest.raises(Exception, match="out of range"):
        f(m, 2)
    with pytest.raises(gradient.NullTypeGradError):
        T.grad(T.sort(a, axis).sum(), axis)


def test_numpy_ufuncs_on_a_symbolic_tensor():
    """Theano 1.0's TensorVariable gave numpy.exp(x) the symbolic exp (NumPy
    called its exp method); ndarray * x stays T.mul(ndarray, x)."""
    x = T.dvector("x")
    assert np.exp(x).owner.op is T.exp and np.arctan2(x, 1.0).owner.op is T.arctan2
    product = np.array([2.0, 3.0]) * x
    assert product.owner.op is T.mul and product.owner.inputs[1] is x
    assert (np.ones(2) < x).owner.op is T.lt
    with pytest.raises(TypeError):
        bool(np.ones(2) < x)                 # a comparison has no truth value
    assert (np.ones(2) == x) is False and (np.ones(2) != x) is True
    np.testing.assert_allclose(theano.function([x], [np.exp(x), product])([0.0, 1.0]),
                               [[1.0, np.e], [0.0, 3.0]])
    with pytest.raises(TypeError):
        np.add(x, x, out=np.zeros(2))


def test_none_in_an_index_is_a_dimshuffle_of_the_given_axes():
    """tensor/var.py __getitem__ (1.0.5): np.newaxis makes
    self.dimshuffle(pattern) over the entries given, which drops a
    broadcastable dimension left out and refuses to drop one that is not."""
    n = T.lscalar("n")
    h = T.dmatrix("h")
    mask = T.alloc(1.0, n, 1)
    assert mask[:, None].broadcastable == (False, True)
    assert str(mask[:, None].owner.op) == "InplaceDimShuffle{0,x}"
    product = mask[:, None] * h
    assert product.ndim == 2
    assert theano.function([n, h], product)(4, np.ones((4, 3))).shape == (4, 3)
    x = T.dmatrix("x")
    with pytest.raises(ValueError, match="drop dimension 1"):
        x[:, None]
    with pytest.raises(ValueError, match="drop dimension 0"):
        x[None]
    f = theano.function([x], [x[:, None, :], x[None, :, 1], x[..., None]])
    xv = np.arange(6.0).reshape(2, 3)
    for got, want in zip(f(xv), [xv[:, None, :], xv[None, :, 1], xv[..., None]]):
        np.testing.assert_array_equal(got, want)


def test_set_and_inc_subtensor_types():
    """tensor/subtensor.py inc_subtensor (y may not have more dimensions
    than x[index]: TypeError at build) and AdvancedIncSubtensor1.perform
    (x[idx] = y casts as NumPy does)."""
    x = T.dmatrix("x")
    with pytest.raises(TypeError, match="2-dimensional value"):
        T.set_subtensor(x[0], T.dmatrix())
    n, idx, vals = T.lscalar("n"), T.lvector("idx"), T.ivector("vals")
    small = T.alloc(np.int8(0), n)
    stored = T.set_subtensor(small[idx], vals)
    added = T.inc_subtensor(small[idx], vals)
    assert stored.dtype == added.dtype == "int8"
    f = theano.function([n, idx, vals], [stored, added])
    s, a = f(4, [0, 2, 2], [5, 300, 7])
    np.testing.assert_array_equal(s, np.array([5, 0, 7, 0], dtype="int8"))
    np.testing.assert_array_equal(a, np.array([5, 0, 307 - 256, 0], dtype="int8"))
    with pytest.raises(TypeError, match="cast"):
        T.inc_subtensor(small[idx], T.dvector())   # NumPy's += refuses float into int


@pytest.mark.parametrize("mode", ["max", "sum", "average_inc_pad", "average_exc_pad"])
def test_pool_gradients_in_one_two_and_three_dimensions(mode):
    """tensor/signal/pool.py Pool(ndim, ignore_border, mode)(x, ws, stride,
    pad) on the last ndim axes; tests/ops/test_pool.py
    test_DownsampleFactorMax_grad_stride and _PaddingStride_grad."""
    rng = np.random.RandomState(0)
    cases = [((2,), (1,), None, (16,)), ((1,), (3,), None, (1, 16)),
             ((2,), (5,), None, (1, 2, 16)), ((3, 3), (2, 3), None, (1, 2, 8, 7)),
             ((5, 1, 2), (3, 1, 2), None, (1, 7, 3, 6))]
    if mode in ("max", "sum"):
        cases += [((5,), (3,), (2,), (9,)), ((3, 3), (3, 2), (1, 2), (1, 1, 5, 6))]
    for ws, stride, pad, shape in cases:
        for ignore_border in ((True,) if pad else (True, False)):
            def pooled(x):
                op = Pool(ndim=len(ws), ignore_border=ignore_border, mode=mode)
                return op(x, ws, stride, pad) if pad else op(x, ws, stride)
            gradient.verify_grad(pooled, [rng.rand(*shape) * 10], rng=rng)


def test_cholesky_on_error_nan_and_its_gradient():
    """tensor/slinalg.py Cholesky.perform (NaNs for a matrix that is not
    positive definite with on_error='nan') and Cholesky.L_op (its gradient
    NaN too); tests/test_slinalg.py test_cholesky_indef, test_cholesky_grad_indef."""
    x = T.dmatrix("x")
    indefinite = np.array([[1, 0.2], [0.2, -2]])
    for lower in (True, False):
        chol = Cholesky(lower=lower, on_error="nan")
        f = theano.function([x], [chol(x), T.grad(chol(x).sum(), x)])
        factor, grad = f(indefinite)
        assert np.isnan(factor).all() and np.isnan(grad).all()
        factor, grad = f(np.array([[4.0, 1.0], [1.0, 3.0]]))
        want = np.linalg.cholesky([[4.0, 1.0], [1.0, 3.0]])
        np.testing.assert_allclose(factor, want if lower else want.T)
        assert np.isfinite(grad).all()
    rng = np.random.RandomState(1)
    gradient.verify_grad(lambda r: Cholesky(on_error="nan")(r.dot(r.T)), [rng.randn(4, 4)],
                         3, rng)
    raising = theano.function([x], Cholesky(on_error="raise")(x))
    with pytest.raises(np.linalg.LinAlgError):
        raising(indefinite)


def test_raw_random_draws_on_a_symbolic_random_state():
    """tensor/raw_random.py RandomFunction (the state an input: a
    numpy.random.RandomState given for it) and choice (p = 0 is no p,
    replace = 1 is True); tests/test_raw_random.py test_basic_usage, test_choice."""
    rf = raw_random.RandomFunction(np.random.RandomState.uniform, T.dvector)
    assert not rf.inplace and rf.destroy_map == {}
    assert raw_random.RandomFunction("uniform", T.dvector, inplace=True).destroy_map
    r = raw_random.random_state_type()
    _, out = rf(r, (4,), 0.0, 1.0)
    _, picked = raw_random.choice(r, (11, 8), 10, 1, 0)
    f = theano.function([r], [out, picked])
    state = np.random.RandomState(7)
    before = state.get_state()[1].copy()
    first, choices = f(state)
    again, _ = f(state)
    np.testing.assert_array_equal(first, again)   # the same state gives the same draws
    np.testing.assert_array_equal(state.get_state()[1], before)   # and is left as it was
    assert first.shape == (4,) and (0 <= first).all() and (first < 1).all()
    assert choices.shape == (11, 8) and 0 <= choices.min() and choices.max() <= 9
    assert not np.array_equal(f(np.random.RandomState(8))[0], first)
    with pytest.raises(ValueError, match="p must be a vector"):
        raw_random.choice(r, (3,), 10, True, 0.5)
    with pytest.raises(TypeError, match="random state"):
        f("not a state")


def test_grad_raises_where_theano_does():
    """gradient.py grad_undefined / grad_not_implemented (a function
    computing one fails to compile, tests/gradient/test_gradient.py
    test_unimplemented_grad_func), known_grads of NullType and
    DisconnectedType (test_undefined_cost_grad, test_disconnected_cost_grad),
    and ops whose grad is undefined (TopKOp's k, SortOp's axis,
    ProdWithoutZeros, Nonzero)."""
    a = T.dvector("a")
    for make in (gradient.grad_not_implemented, gradient.grad_undefined):
        with pytest.raises(TypeError, match="Null"):
            theano.function([a], make(T.add, 0, a), on_unused_input="ignore")
    x, y = T.iscalar("x"), T.iscalar("y")
    cost = x + y
    with pytest.raises(gradient.NullTypeGradError):
        T.grad(cost, [x, y], known_grads={cost: gradient.NullType()()})
    with pytest.raises(gradient.DisconnectedInputError):
        T.grad(cost, [x, y], known_grads={cost: gradient.DisconnectedType()()},
               disconnected_inputs="raise")
    k = T.lscalar("k")
    with pytest.raises(gradient.NullTypeGradError, match="k is not differentiable"):
        T.grad(T.topk(a, k).sum(), k)
    with pytest.raises(gradient.NullTypeGradError):
        T.grad(ProdWithoutZeros()(a), a)
    with pytest.raises(gradient.NullTypeGradError):
        T.grad(T.cast(T.nonzero(a)[0], "float64").sum(), a)
    # Where the gradient is defined, it is computed (topk's values, a sum).
    assert theano.function([a, k], T.grad(T.topk(a, k).sum(), a))([1.0, 3.0, 2.0], 1) \
        .tolist() == [0.0, 1.0, 0.0]


def test_a_boolean_mask_among_index_arrays_stands_for_its_nonzero_positions():
    # NumPy's rule, which Theano 1.0.5's test_subtensor.py test_boolean checks:
    # x[[0], mask] is x[[0], mask.nonzero()[0]].
    m = T.dmatrix("m")
    f = theano.function([m], [m[[0], m[0] > 2], m[m[:, 0] > 2, m[0, :] > 2], m[[1, 2], m[0] > 1]])
    for a in (np.arange(12.0).reshape(3, 4), np.array([[0, 0, 5, 6], [5, 1, 1, 1], [6, 2, 2, 2.0]])):
        for got, want in zip(f(a), [a[[0], a[0] > 2], a[a[:, 0] > 2, a[0, :] > 2],
                                    a[[1, 2], a[0] > 1]]):
            np.testing.assert_array_equal(got, want)
    # Positions that do not broadcast together fail as in NumPy.
    with pytest.raises(IndexError):
        np.arange(12.0).reshape(3, 4)[[0, 1], np.arange(4) >= 0]
    with pytest.raises(Exception, match="broadcast|shape|Incompatible"):
        theano.function([m], m[[0, 1], m[0] > 0])(np.arange(12.0).reshape(3, 4) + 1)


def test_a_result_numpy_cannot_hold_raises_value_error():
    # Theano 1.0.5 test_elemwise.py test_too_big_rank: more dimensions than NumPy's maximum.
    x = T.dscalar("x")
    y = x.dimshuffle(("x",) * 65)
    with pytest.raises(ValueError, match="at most 64 dimensions"):
        y.eval({x: 0})
    assert x.dimshuffle(("x",) * 64).eval({x: 2.0}).shape == (1,) * 64


def test_add_and_mul_take_any_number_of_inputs():
    """scalar/basic.py: Add and Mul are ScalarOps (nin = -1) whose impl folds
    every input; Sub stays binary (BinaryScalarOp)."""
    a, b, c = T.dvectors("a", "b", "c")
    total, product = T.add(a, b, c), T.mul(a, b, c)
    assert scalar.add.nin == -1 and scalar.mul.nin == -1 and scalar.sub.nin == 2
    assert theano.pp(total) == "(a + b + c)"
    f = theano.function([a, b, c], [total, product, T.grad(product.sum(), b)])
    values = f([1.0, 2.0], [3.0, 4.0], [5.0, 6.0])
    for got, want in zip(values, ([9, 12], [15, 48], [5, 12])):
        np.testing.assert_array_equal(got, want)
    assert T.add(T.bvector(), T.fvector(), T.dscalar()).dtype == "float64"
    assert scalar.add.impl(1, 2, 3) == 6
    with pytest.raises(TypeError, match="Wrong number of inputs for sub: got 3"):
        T.sub(a, b, c)


def test_round_half_away_from_zero_vec_is_c_rounding_in_numpy():
    """scalar/basic.py round_half_away_from_zero_vec: halves away from zero
    (numpy.round takes them to even), float32 kept (its vec32 variant)."""
    from tfgraph.scalar.basic import round_half_away_from_zero_vec
    got = round_half_away_from_zero_vec(np.array([-2.5, -0.5, 0.5, 1.5, 2.5, 2.4], "float32"))
    np.testing.assert_array_equal(got, [-3, -1, 1, 2, 3, 2])
    assert got.dtype == np.float32
    assert round_half_away_from_zero_vec(np.array([0.5])).dtype == np.float64


def test_get_scalar_constant_value_looks_through_fill_and_alloc():
    """tensor/basic.py get_scalar_constant_value: Alloc's value input, and
    Second's (fill), whatever its model and even with elemwise=False."""
    x = T.dmatrix("x")
    assert T.get_scalar_constant_value(T.fill(x, 2.0)) == 2.0
    assert T.get_scalar_constant_value(T.zeros_like(x), elemwise=False) == 0.0
    assert T.get_scalar_constant_value(T.alloc(np.float32(3), 2, 2)) == 3.0
    with pytest.raises(T.NotScalarConstantError):
        T.get_scalar_constant_value(T.fill(2.0, x))
