"""``function``: outputs, updates, givens, In/Param, keyword calls, copy, the
traces count, and how arguments are checked and converted (Theano's rules)."""
import warnings

import numpy as np
import tensorflow as tf
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.compile.function import MissingInputError, UnusedInputError


def fn(*args, **kwargs):
    """``theano.function`` with a fixed name (naming after the caller's line
    is slow under pytest, and the error messages below quote the name)."""
    kwargs.setdefault("name", "f")
    return theano.function(*args, **kwargs)


# --- outputs and updates -------------------------------------------------------------

def test_outputs_are_computed_before_updates():
    s = theano.shared(np.float64(1.0), "s")
    f = fn([], [s, s * 10], updates=[(s, s + 1)])
    for expected in (1.0, 2.0, 3.0):
        value, times_ten = f()
        assert value == expected and times_ten == 10 * expected
    assert s.get_value() == 4.0


def test_updates_read_old_values():
    a = theano.shared(np.float64(1.0), "a")
    b = theano.shared(np.float64(10.0), "b")
    f = fn([], [], updates=[(a, a + b), (b, a * 100)])
    f()
    assert a.get_value() == 11.0 and b.get_value() == 100.0


def test_swap_updates_swap():
    a = theano.shared(np.array([1.0, 2.0]), "a")
    b = theano.shared(np.array([3.0, 4.0]), "b")
    f = fn([], [], updates=[(a, b), (b, a)])
    f()
    np.testing.assert_array_equal(a.get_value(), [3.0, 4.0])
    np.testing.assert_array_equal(b.get_value(), [1.0, 2.0])
    f()
    np.testing.assert_array_equal(a.get_value(), [1.0, 2.0])


@pytest.mark.parametrize("kind", ["list", "tuple", "dict"])
def test_updates_as_list_tuple_or_dict(kind):
    s = theano.shared(np.int64(0), "s")
    t = theano.shared(np.int64(5), "t")
    pairs = [(s, s + 1), (t, t - 1)]
    updates = {"list": pairs, "tuple": tuple(pairs), "dict": dict(pairs)}[kind]
    f = fn([], s + t, updates=updates)
    assert f() == 5 and f() == 5
    assert s.get_value() == 2 and t.get_value() == 3


def test_update_with_inputs_and_seed_style_gradient_step():
    x = T.dvector("x")
    w = theano.shared(np.array([0.5, -1.0]), "w")
    cost = T.sqr((x * w).sum() - 1.0)
    (g,) = T.grad(cost, [w])
    f = fn([x], cost, updates=[(w, w - 0.1 * g)])
    before = w.get_value()
    c = f([1.0, 2.0])
    assert c == pytest.approx(((before * [1, 2]).sum() - 1) ** 2)
    expected = before - 0.1 * 2 * ((before * [1, 2]).sum() - 1) * np.array([1.0, 2.0])
    np.testing.assert_allclose(w.get_value(), expected)


def test_outputs_single_list_tuple_or_none():
    x = T.dscalar("x")
    single = fn([x], x * 2)(3)
    assert isinstance(single, np.ndarray) and single.shape == () and single == 6
    listed = fn([x], [x * 2])(3)
    assert isinstance(listed, list) and len(listed) == 1 and listed[0] == 6
    two = fn([x], (x, x + 1))(3)
    assert isinstance(two, list) and [float(v) for v in two] == [3, 4]
    s = theano.shared(np.float64(0), "s")
    nothing = fn([x], None, updates=[(s, x)])
    assert nothing(7) == []
    assert s.get_value() == 7
    assert fn([x], [], on_unused_input="ignore")(1) == []


def test_outputs_are_numpy_arrays_of_the_output_dtype():
    x = T.fvector("x")
    out = fn([x], [x.sum(), x * 2, T.argmax(x)])(np.array([1, 2], "float32"))
    assert [type(o) for o in out] == [np.ndarray] * 3
    assert [o.dtype.name for o in out] == ["float32", "float32", "int64"]
    assert out[0].shape == () and out[2].shape == ()


def test_constant_and_input_outputs():
    x = T.dvector("x")
    f = fn([x], [x, T.constant(2.0), x.shape])
    value, two, shape = f([1.0, 2.0])
    np.testing.assert_array_equal(value, [1.0, 2.0])
    assert two == 2.0 and shape.tolist() == [2]


# --- shared variables across functions -------------------------------------------------

def test_a_shared_variable_used_by_two_functions_is_one_tf_variable():
    s = theano.shared(np.float64(0.0), "s")
    inc = fn([], [], updates=[(s, s + 1)])
    read = fn([], s * 1)
    inc()
    inc()
    assert read() == 2.0
    s.set_value(10.0)
    assert read() == 10.0
    inc()
    assert read() == 11.0
    variables = {id(v) for f in (inc, read) for v in f.concrete_function.variables
                 if v.name.startswith("s")}
    assert variables == {id(s.variable)}


# --- givens ----------------------------------------------------------------------------------

def test_givens_replace_inputs_with_shared_variables():
    x, y = T.dvector("x"), T.dvector("y")
    data = theano.shared(np.array([1.0, 2.0, 3.0]), "data")
    f = fn([y], (x * y).sum(), givens={x: data})
    assert f([1.0, 1.0, 1.0]) == 6.0
    data.set_value(np.array([2.0, 2.0]))
    assert f([1.0, 3.0]) == 8.0


def test_givens_as_a_list_and_with_expressions():
    x, i = T.dvector("x"), T.lscalar("i")
    data = theano.shared(np.arange(10.0), "data")
    f = fn([i], x.sum(), givens=[(x, data[i * 2:(i + 1) * 2])])
    assert f(0) == 1.0 and f(2) == 9.0


def test_givens_can_replace_a_shared_variable_and_keep_updates():
    s = theano.shared(np.float64(1.0), "s")
    other = theano.shared(np.float64(100.0), "other")
    counter = theano.shared(np.int64(0), "counter")
    f = fn([], s * 2, updates=[(counter, counter + 1)], givens={s: other})
    assert f() == 200.0 and counter.get_value() == 1


def test_givens_type_mismatch_is_an_error():
    x = T.dvector("x")
    with pytest.raises(TypeError):
        fn([], x.sum(), givens={x: T.fvector("f")})
    with pytest.raises(TypeError):
        fn([], x.sum(), givens={x: T.dmatrix("m")})


# --- In / Param, defaults and keywords --------------------------------------------------------

def test_param_default_as_in_the_seed():
    A, x, b = T.matrix("A"), T.vector("x"), T.vector("b")
    f = fn([A, x, theano.Param(b, default=np.array([0, 0]))], [T.dot(A, x) + b, T.sum(A ** 2)])
    y, z = f(np.array([[1, 2, 3], [4, 5, 6]]), np.array([1, 2, 3]))
    np.testing.assert_array_equal(y, [14, 32])
    assert z == 91
    y, _ = f(np.array([[1, 2, 3], [4, 5, 6]]), np.array([1, 2, 3]), np.array([4, 5]))
    np.testing.assert_array_equal(y, [18, 37])


def test_in_with_value_and_name_and_keyword_calls():
    x, y, w = T.dscalars("x", "y", "w")
    f = fn([x, theano.In(y, value=1.0), theano.In(w, value=2.0, name="w_by_name")],
           (x + y) * w)
    assert f(33) == 68.0
    assert f(33, 0, 1) == 33.0
    assert f(33, w_by_name=1) == 34.0
    assert f(33, y=0, w_by_name=1) == 33.0
    assert f(x=33) == 68.0
    assert f(w_by_name=3, x=1, y=1) == 6.0


def test_keyword_errors():
    x, y = T.dscalars("x", "y")
    f = fn([x, theano.In(y, value=1.0)], x + y)
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        f(1, z=2)
    with pytest.raises(TypeError, match="multiple values.*'x'"):
        f(1, x=2)
    with pytest.raises(TypeError, match="missing input x at index 0"):
        f(y=2)


def test_inputs_sharing_a_name_compile_quietly_and_refuse_that_name_by_keyword():
    # Theano 1.0: names may repeat (Lasagne calls every layer's input 'input');
    # only using such a name as a keyword is an error ("Ambiguous name").
    a, b = T.dvector("input"), T.dvector("input")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = fn([a, b], a - b)
    np.testing.assert_array_equal(f([3.0], [1.0]), [2.0])
    with pytest.raises(TypeError, match="ambiguous name 'input'"):
        f(input=[1.0])


def test_named_inputs_without_defaults_by_keyword():
    a, b = T.dvectors("a", "b")
    f = fn([a, b], a - b)
    np.testing.assert_array_equal(f(b=[1.0], a=[3.0]), [2.0])


# --- copy ---------------------------------------------------------------------------------------

def test_copy_swap_and_delete_updates():
    x = T.dscalar("x")
    s = theano.shared(np.float64(0.0), "s")
    t = theano.shared(np.float64(100.0), "t")
    f = fn([x], s, updates=[(s, s + x)])
    g = f.copy(swap={s: t})
    assert g(1.0) == 100.0 and g(2.0) == 101.0
    assert t.get_value() == 103.0 and s.get_value() == 0.0
    assert f(5.0) == 0.0 and s.get_value() == 5.0
    assert f.copy()(1.0) == 5.0 and s.get_value() == 6.0
    h = fn([x], s + x, updates=[(s, s + x)]).copy(delete_updates=True)
    assert h(1.0) == 7.0 and s.get_value() == 6.0


def test_copy_delete_updates_keeps_inputs_used_only_by_updates():
    """The copy takes the same arguments as the original (Theano's copy keeps
    every input, so that it passes the unused-input check)."""
    x = T.dscalar("x")
    s = theano.shared(np.float64(0.0), "s")
    f = fn([x], s, updates=[(s, s + x)])
    h = f.copy(delete_updates=True)
    assert h(5.0) == 0.0 and s.get_value() == 0.0


def test_copy_swap_needs_matching_types():
    s = theano.shared(np.float64(0.0), "s")
    v = theano.shared(np.zeros(2), "v")
    f = fn([], s * 2)
    with pytest.raises(TypeError):
        f.copy(swap={s: v})


# --- traces -------------------------------------------------------------------------------------

def test_new_shapes_do_not_trace_again():
    x = T.dmatrix("x")
    s = theano.shared(np.zeros(3), "s")
    f = fn([x], x.sum(axis=0), updates=[(s, s + 1)])
    assert f.trace_count == 1
    for shape in [(2, 3), (5, 1), (0, 4), (7, 7), (1, 1)]:
        f(np.ones(shape))
    s.set_value(np.zeros(8))
    f(np.ones((2, 2)))
    assert f.trace_count == 1


# --- converting arguments -----------------------------------------------------------------------

def _seed_step(W_value=(0.2, 0.7)):
    x, target = T.fvector("x"), T.fscalar("target")
    W = theano.shared(np.asarray(W_value), "W")
    y = (x * W).sum()
    g = theano.grad(T.sqr(target - y), W)
    return W, fn([x, target], [y, g], updates=[(W, W - 0.1 * g)])


@pytest.mark.parametrize("make_args", [
    lambda: ([1.0, 1.0], 20.0),  # the general path
    lambda: (np.ones(2, "float32"), np.float32(20.0)),  # exact types: the short path
    lambda: (np.ones(2, "float32"), np.array(20.0, "float32")),
    lambda: (tf.ones(2), tf.constant(20.0)),  # already tensors
    lambda: (np.ones(2, "float32"), 20.0),  # mixed
], ids=["lists", "arrays", "0-d", "tensors", "mixed"])
def test_every_way_of_passing_arguments_gives_the_same_steps(make_args):
    W_ref, f_ref = _seed_step()
    W, f = _seed_step()
    for _ in range(3):
        general = f_ref.arguments.arrays(([1.0, 1.0], 20.0), {})   # Theano's rules
        expected = f_ref.executable([tf.constant(a) for a in general])
        got = f(*make_args())
        for e, g in zip(expected, got):
            assert type(g) is np.ndarray and g.dtype == np.asarray(e).dtype
            np.testing.assert_array_equal(g, np.asarray(e))
    np.testing.assert_array_equal(W.get_value(), W_ref.get_value())
    assert f.trace_count == 1


@pytest.mark.parametrize("bad, message", [
    ((np.ones(2, "float64"), np.float32(1)), "index 0 .*float64"),  # unsafe downcast
    ((np.ones((2, 1), "float32"), np.float32(1)), "index 0 .*Wrong number of dimensions"),
    ((tf.constant([0.1, 0.2], tf.float64), np.float32(1)), "index 0"),  # not exact in float32
    ((np.ones(2, "float32"), np.ones(1, "float32")), "index 1 .*Wrong number of dimensions"),
])
def test_arguments_not_exactly_of_their_type_still_get_the_theano_errors(bad, message):
    W, f = _seed_step()
    with pytest.raises(TypeError, match=message):
        f(*bad)
    np.testing.assert_array_equal(W.get_value(), [0.2, 0.7])


def test_a_broadcastable_dimension_is_checked_for_exact_arrays_too():
    r = T.frow("r")
    f = fn([r], r.sum())
    assert f(np.ones((1, 3), "float32")) == 3
    with pytest.raises(TypeError, match="broadcastable"):
        f(np.ones((2, 3), "float32"))


def test_lists_and_python_scalars_are_converted():
    x, target = T.fvector("x"), T.fscalar("target")
    f = fn([x, target], (x * 2).sum() - target)
    result = f([1.0, 1.0], 20.0)
    assert result.dtype == np.float32 and result == -16.0
    i = T.lvector("i")
    assert fn([i], i.sum())([1, 2, 3]) == 6
    assert fn([i], i.sum())(np.array([1, 2], "int8")) == 3  # safe upcast


@pytest.mark.parametrize("variable,value", [
    (T.fvector, np.array([1.0, 2.0])),  # float64 array -> float32: unsafe
    (T.fvector, np.array([1, 2], "int32")),  # int32 -> float32 may lose precision
    (T.ivector, np.array([1, 2], "int64")),
    (T.ivector, np.array([1.0])),
    (T.bvector, [1000]),  # a list whose values do not fit
    (T.ivector, [1.5]),
    (T.fscalar, 0.1),  # 0.1 is not a float32 (floatX is float64)
])
def test_unsafe_conversions_raise_unless_downcast_is_allowed(floatX, variable, value):
    floatX("float64")
    x = variable("x")
    f = fn([x], x * 1)
    with pytest.raises(TypeError, match="Bad input argument with name \"x\".*index 0"):
        f(value)
    g = fn([x], x * 1, allow_input_downcast=True)
    expected = np.asarray(value).astype(x.dtype)
    np.testing.assert_array_equal(g(value), expected)
    h = fn([theano.In(x, allow_downcast=True)], x * 1)
    np.testing.assert_array_equal(h(value), expected)


def test_python_float_to_floatX_is_allowed(floatX):
    floatX("float32")
    x = T.fscalar("x")
    assert fn([x], x * 1)(0.1) == np.float32(0.1)


@pytest.mark.parametrize("variable,value", [
    (T.dvector, np.array([1, 2], "int64")), (T.dvector, np.array([1, 2], "float32")),
    (T.dvector, [1, 2]), (T.lscalar, np.int8(3)), (T.fvector, np.array([1], "int16")),
    (T.dscalar, True), (T.lscalar, 3.0),
])
def test_safe_conversions(variable, value):
    x = variable("x")
    result = fn([x], x * 1)(value)
    assert result.dtype.name == x.dtype
    np.testing.assert_array_equal(result, np.asarray(value).astype(x.dtype))


def test_strict_inputs_take_only_the_exact_dtype():
    x = T.dvector("x")
    f = fn([theano.In(x, strict=True)], x * 1)
    f(np.array([1.0]))
    with pytest.raises(TypeError, match="strict"):
        f(np.array([1], "int64"))


# --- bad calls raise naming the input --------------------------------------------------------------

@pytest.fixture
def guarded():
    """A function with an update, and its shared variable, to check that bad
    calls change nothing."""
    x, r = T.dvector("x"), T.drow("r")
    s = theano.shared(np.float64(0.0), "s")
    f = fn([x, r], x.sum() + r.sum(), updates=[(s, s + 1)])
    return f, s


@pytest.mark.parametrize("args,kwargs,error,pattern", [
    (([[1.0]], [[1.0]]), {}, TypeError, r"name \"x\".*index 0.*Wrong number of dimensions"),
    (([1.0], [1.0]), {}, TypeError, r"name \"r\".*index 1.*Wrong number of dimensions"),
    (([1.0], [[1.0], [2.0]]), {}, TypeError, r"name \"r\".*index 1.*broadcastable"),
    (([1.0], np.ones((2, 3))), {}, TypeError, r"name \"r\".*index 1"),
    (([[1.0], [1.0, 2.0]], [[1.0]]), {}, (TypeError, ValueError), r"name \"x\".*index 0"),
    ((["a", "b"], [[1.0]]), {}, TypeError, r"name \"x\".*index 0"),
    (("abc", [[1.0]]), {}, TypeError, r"name \"x\".*index 0"),
    (([1.0], [["1"]]), {}, TypeError, r"name \"r\".*index 1"),
    (([None], [[1.0]]), {}, TypeError, r"name \"x\".*index 0"),
    (([1.0],), {}, TypeError, r"missing input r at index 1"),
    (([1.0], [[1.0]], [2.0]), {}, TypeError, r"takes 2 argument"),
    (([1.0], [[1.0]]), {"y": 1}, TypeError, r"unexpected keyword argument 'y'"),
    ((), {"x": [1.0]}, TypeError, r"missing input r at index 1"),
])
def test_bad_calls_raise_and_change_nothing(guarded, args, kwargs, error, pattern):
    f, s = guarded
    with pytest.raises(error, match=pattern):
        f(*args, **kwargs)
    assert s.get_value() == 0.0
    assert f([1.0, 2.0], [[3.0]]) == 6.0 and s.get_value() == 1.0


def test_a_call_failing_inside_the_graph_changes_no_shared_variable():
    x, y = T.dvector("x"), T.dvector("y")
    s = theano.shared(np.float64(0.0), "s")
    v = theano.shared(np.zeros(2), "v")
    f = fn([x, y], (x + y).sum(), updates=[(s, s + 1), (v, v + x)])
    with pytest.raises(ValueError):
        f([1.0, 2.0], [1.0, 2.0, 3.0])  # x + y: lengths differ
    assert s.get_value() == 0.0
    np.testing.assert_array_equal(v.get_value(), [0.0, 0.0])
    assert f([1.0, 2.0], [1.0, 2.0]) == 6.0
    np.testing.assert_array_equal(v.get_value(), [1.0, 2.0])


# --- compile-time errors ---------------------------------------------------------------------------

def test_missing_input_is_an_error():
    x, y = T.dscalars("x", "y")
    with pytest.raises(MissingInputError, match="y"):
        fn([x], x + y)


def test_unused_input_raises_warns_or_is_ignored():
    x, y = T.dscalars("x", "y")
    with pytest.raises(UnusedInputError, match="y"):
        fn([x, y], x * 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = fn([x, y], x * 2, on_unused_input="warn")
    assert any("y" in str(w.message) for w in caught)
    assert f(1, 2) == 2
    assert fn([x, y], x * 2, on_unused_input="ignore")(1, 5) == 2


@pytest.mark.parametrize("make_update", [
    lambda s: s.astype("float32"),                    # dtype differs
    lambda s: s.dimshuffle("x", 0),                   # ndim differs
    lambda s: s.sum(),                                # ndim differs
    lambda s: s * theano.shared(np.float32(2)),       # float64 * float32 is float64: fine
])
def test_update_type_mismatch_is_a_type_error_at_compile_time(make_update):
    s = theano.shared(np.zeros(3), "s")
    update = make_update(s)
    if update.type == s.type:
        fn([], [], updates=[(s, update)], on_unused_input="ignore")
        return
    with pytest.raises(TypeError, match="s"):
        fn([], [], updates=[(s, update)])


def test_update_of_a_broadcastable_shared_variable_must_keep_it():
    s = theano.shared(np.zeros((1, 3)), "s", broadcastable=(True, False))
    m = T.dmatrix("m")
    with pytest.raises(TypeError):
        fn([m], [], updates=[(s, m)])
    fn([m], [], updates=[(s, s + m[0])])  # row + vector is still a row


def test_update_target_must_be_shared_and_not_repeated():
    x = T.dscalar("x")
    s = theano.shared(np.float64(0.0), "s")
    with pytest.raises(TypeError):
        fn([x], [], updates=[(x, x + 1)])
    with pytest.raises(ValueError):
        fn([x], [], updates=[(s, s + x), (s, s - x)])


def test_inputs_must_be_a_list_of_non_shared_variables():
    x = T.dscalar("x")
    s = theano.shared(np.float64(0.0), "s")
    with pytest.raises(TypeError):
        fn(x, x * 2)
    with pytest.raises(TypeError):
        fn([s], s * 2)
    with pytest.raises(TypeError):
        fn([T.constant(1.0)], x)


def test_default_updates_and_no_default_updates():
    s = theano.shared(np.int64(0), "s")
    s.default_update = s + 1
    fn([], s * 1)()
    assert s.get_value() == 1
    fn([], s * 1, no_default_updates=True)()
    assert s.get_value() == 1
    fn([], s * 1, no_default_updates=[s])()
    assert s.get_value() == 1


def test_eval_and_modes():
    foo = T.scalar("foo")
    bar = foo ** 2
    assert bar.eval({foo: 3}) == 9
    assert fn([foo], bar)(3) == 9
    assert fn([foo], bar, mode="FAST_COMPILE")(4) == 16
    assert fn([foo], bar, mode="FAST_RUN")(5) == 25


def test_a_dict_of_outputs_is_returned_as_a_dict_with_its_outputs_in_key_order():
    # Theano 1.0.5 compile/function.py: string keys (asserted), outputs sorted by key.
    x, y = T.dscalar("x"), T.dscalar("y")
    f = fn([x, y], {"sum": x + y, "diff": x - y, "b": x * y})
    assert f(5.0, 2.0) == {"sum": 7.0, "diff": 3.0, "b": 10.0}
    assert [str(o) for o in f.outputs] == [str(x * y), str(x - y), str(x + y)]
    for bad in ({1.0: x}, {1.0: x, "a": x}, {(1, "b"): x}):
        with pytest.raises(TypeError, match="keys of a dict of outputs must be strings"):
            fn([x], bad)
        with pytest.raises(AssertionError):  # as Theano raised it
            fn([x], bad)
