"""Hardening: every bad input gets a clear error naming it, TensorFlow's run-time
errors become Python errors Theano users catch, and a call that fails for any
reason leaves every shared variable exactly as it was."""
import warnings

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.compile import (ExecutionError, ExecutionIndexError, ExecutionValueError,
                             InvalidValueError, MissingInputError, NanGuardError,
                             UnusedInputError)
from tfgraph.compile.debugmode import NanGuardMode
from tfgraph.graph import Apply, Op
from tfgraph._tf import tf

MODES = ["FAST_RUN", "FAST_COMPILE", "DebugMode", "NanGuardMode"]


def bad_input(name, function, index, detail):
    """The start of Theano's message for a bad argument, as a regex."""
    return (f'^Bad input argument with name "{name}" to function "{function}" at index '
            f'{index} \\(0-based\\): {detail}')


@pytest.fixture(scope="module")
def train():
    x, y = T.dvector("x"), T.dscalar("y")
    return theano.function([x, y], x * y, name="train")


# --- bad arguments: each names the input by name and position ----------------------

def test_wrong_number_of_dimensions_message_is_theanos(train):
    with pytest.raises(TypeError) as info:
        train(np.ones((2, 2)), 1.0)
    assert str(info.value) == (
        'Bad input argument with name "x" to function "train" at index 0 (0-based): Wrong '
        'number of dimensions: expected 1, got 2 with shape (2, 2).')
    with pytest.raises(TypeError, match=bad_input("y", "train", 1, "Wrong number of dimensions: "
                                                  r"expected 0, got 1 with shape \(3,\)")):
        train(np.ones(3), np.ones(3))


def test_wrong_number_of_arguments(train):
    with pytest.raises(TypeError, match=r"function 'train' takes 2 argument\(s\) \(x, y\), got 3"):
        train(np.ones(2), 1.0, 2.0)
    with pytest.raises(TypeError, match=r"function 'train': missing input y at index 1"):
        train(np.ones(2))
    with pytest.raises(TypeError, match=r"missing input x at index 0"):
        train()


def test_unknown_and_repeated_keywords(train):
    with pytest.raises(TypeError, match=r"function 'train' got an unexpected keyword argument "
                                        r"'z'; its inputs are x, y"):
        train(np.ones(2), 1.0, z=3)
    with pytest.raises(TypeError, match=r"got multiple values for input 'x' \(index 0\)"):
        train(np.ones(2), 1.0, x=np.ones(2))
    np.testing.assert_array_equal(train(y=2.0, x=[1.0, 2.0]), [2.0, 4.0])


def test_length_other_than_one_in_a_broadcastable_dimension():
    r = T.row("r")
    f = theano.function([r], r + 1, name="f")
    with pytest.raises(TypeError, match=bad_input("r", "f", 0, "Non-unit value on shape on a "
                                                  "broadcastable dimension: dimension 0 must "
                                                  r"have length 1 .*got shape \(2, 3\)")):
        f(np.ones((2, 3)))
    assert f(np.ones((1, 3))).shape == (1, 3)


@pytest.mark.parametrize("value", [np.ones(3, dtype="float64"), np.ones(3, dtype="int64"),
                                   [0.1, 2.0], [1e300], np.ones(3, dtype="complex64")])
def test_unsafe_downcast_needs_allow_input_downcast(value):
    x = T.fvector("x")
    f = theano.function([x], x * 2, name="f")
    with pytest.raises(TypeError, match=bad_input("x", "f", 0, r"TensorType\(float32\) cannot "
                                                  r"store a value .* without risking loss of "
                                                  r"precision.*allow_input_downcast=True")):
        f(value)
    if np.asarray(value).dtype.kind != "c":
        g = theano.function([x], x * 2, name="g", allow_input_downcast=True)
        assert g(value).dtype == np.float32


def test_unsafe_integer_downcast():
    i = T.ivector("i")
    f = theano.function([i], i + 1, name="f")
    for value in [np.ones(2, dtype="int64"), [1, 2 ** 40], [0.5], np.ones(2, dtype="uint32")]:
        with pytest.raises(TypeError, match=bad_input("i", "f", 0, r"TensorType\(int32\) cannot "
                                                      "store")):
            f(value)
    np.testing.assert_array_equal(f([1, 2.0]), [2, 3])  # lossless Python values are fine
    np.testing.assert_array_equal(f(np.ones(2, dtype="int16")), [2, 2])  # safe upcast


def test_ragged_lists(train):
    with pytest.raises(TypeError, match=bad_input("x", "train", 0, r"Could not convert list "
                                                  r"\[\[1, 2\], \[3\]\] .*ragged")):
        train([[1, 2], [3]], 1.0)


@pytest.mark.parametrize("value", ["abc", ["a", "b"], None, {"a": 1}, object(), [1, "2"],
                                   np.array(["x"]), b"bytes"])
def test_strings_and_objects(train, value):
    with pytest.raises(TypeError, match=bad_input("x", "train", 0, "Could not convert")):
        train(value, 1.0)


def test_nan_passed_to_a_nanguardmode_function():
    x, n = T.dvector("x"), T.lscalar("n")
    f = theano.function([n, x], x * n, mode=NanGuardMode(True, True, True), name="train")
    with pytest.raises(NanGuardError, match=bad_input("x", "train", 1, "NanGuardMode: NaN "
                                                      r"detected\.$")) as info:
        f(2, [1.0, np.nan])
    assert isinstance(info.value, AssertionError)
    with pytest.raises(NanGuardError, match=bad_input("x", "train", 1, "NanGuardMode: Inf and "
                                                      "big value detected")):
        f(2, [np.inf])
    np.testing.assert_array_equal(f(2, [1.0]), [2.0])


def test_set_value_with_the_wrong_ndim_or_dtype_keeps_the_value():
    s = theano.shared(np.arange(3.0), name="s")
    i = theano.shared(np.arange(3, dtype="int32"), name="i")
    cases = [(s, np.zeros((2, 2)), r"set_value of shared variable s: Wrong number of dimensions: "
                                   r"expected 1, got 2"),
             (s, np.zeros(3, dtype="complex128"), "set_value of shared variable s: "
                                                  r"TensorType\(float64\) cannot store"),
             (s, "abc", "set_value of shared variable s: Could not convert str"),
             (s, [[1.0], [2.0, 3.0]], "ragged"),
             (i, np.arange(3.0) + 0.5, r"set_value of shared variable i: TensorType\(int32\) "
                                       "cannot store"),
             (i, 7, "Wrong number of dimensions: expected 1, got 0")]
    for var, value, message in cases:
        before = var.get_value()
        with pytest.raises(TypeError, match=message):
            var.set_value(value)
        after = var.get_value()
        assert after.dtype == before.dtype and np.array_equal(after, before)
    s.set_value(np.arange(5.0))  # a new shape of the same ndim is fine
    assert s.get_value().shape == (5,)
    b = theano.shared(np.ones((1, 3)), broadcastable=(True, False), name="b")
    with pytest.raises(TypeError, match="dimension 0 must have length 1"):
        b.set_value(np.ones((2, 3)))
    assert b.get_value().shape == (1, 3)


def test_update_whose_type_differs_from_its_shared_variable():
    s = theano.shared(np.zeros(3), name="s")
    x = T.dvector("x")
    for update, got in [(s.astype("float32"), r"TensorType\(float32, vector\)"),
                        (T.dmatrix("m"), r"TensorType\(float64, matrix\)"),
                        (s.sum(), r"TensorType\(float64, scalar\)")]:
        with pytest.raises(TypeError, match=r"function 'f': an update must have the same type as "
                                            r"the shared variable it replaces: s is "
                                            rf"TensorType\(float64, vector\) but its update .* is "
                                            rf"{got}"):
            theano.function([x], x, updates=[(s, update)], name="f")
    with pytest.raises(TypeError, match="is not a shared variable"):
        theano.function([x], x, updates=[(x, x + 1)], name="f")


def test_graph_with_a_missing_input():
    x, y = T.dvector("x"), T.dvector("y")
    with pytest.raises(MissingInputError,
                       match=r"function 'f': the graph needs input y \(TensorType\(float64, "
                             r"vector\)\) to compute \(x \+ y\), but it is not among the inputs "
                             r"\[x\]"):
        theano.function([x], x + y, name="f")
    assert issubclass(MissingInputError, ValueError)


def test_unused_input():
    x, y = T.dvector("x"), T.dvector("y")
    with pytest.raises(UnusedInputError, match=r"function 'f' was asked to take input y at index "
                                               r"1, but it is not part of the graph"):
        theano.function([x, y], x * 2, name="f")
    with pytest.warns(UserWarning, match="input y at index 1"):
        f = theano.function([x, y], x * 2, name="f", on_unused_input="warn")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        theano.function([x, y], x * 2, name="f", on_unused_input="ignore")
    np.testing.assert_array_equal(f([1.0], [5.0]), [2.0])


def test_grad_of_a_non_scalar():
    x = T.dvector("x")
    with pytest.raises(TypeError, match=r"cost must be a scalar.* has 1 dimensions"):
        theano.grad(x * 2, x)


def test_indexing_out_of_range_when_building():
    x = T.dvector("x")
    with pytest.raises(IndexError, match="too many indices for x"):
        x[0, 1]


# --- run-time errors: Python errors with TensorFlow's essentials ---------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("build, args, cls, text, op", [
    (lambda x, i, v: x[i], (np.ones(3), 5, [0]), ExecutionIndexError,
     "slice index 5 of dimension 0 out of bounds", r"x\[i\]"),
    (lambda x, i, v: x[i], (np.ones(3), -4, [0]), ExecutionIndexError, "out of bounds", r"x\[i\]"),
    (lambda x, i, v: x[v] * 2, (np.ones(3), 0, [0, 7]), ExecutionIndexError,
     r"indices\[1\] = 7 is not in \[0, 3\)", r"x\[v\]"),
    (lambda x, i, v: T.inc_subtensor(x[v], 1.0), (np.ones(3), 0, [3]), ExecutionIndexError,
     r"is not in \[0, 3\)", r"inc_subtensor\(x\[v\], "),
    (lambda x, i, v: (x + v).sum(), (np.ones(3), 0, [1, 2]), ExecutionValueError,
     "Incompatible shapes", r"\(x \+ v\)"),
    (lambda x, i, v: T.reshape(x, (2, 2)) + i, (np.ones(3), 0, [0]), ExecutionValueError,
     "Input to reshape is a tensor with 3 values, but the requested shape has 4", "reshape"),
    (lambda x, i, v: v // i, (np.ones(3), 0, [1]), ExecutionValueError,
     "Integer division by zero", r"\(v // i\)"),
])
def test_runtime_errors_are_python_errors(mode, build, args, cls, text, op):
    x, i, v = T.dvector("x"), T.lscalar("i"), T.lvector("v")
    f = theano.function([x, i, v], build(x, i, v), name="f", mode=mode, on_unused_input="ignore")
    with pytest.raises(cls) as info:
        f(*args)
    error = info.value
    message = str(error)
    assert isinstance(error, ExecutionError)
    assert isinstance(error, IndexError if cls is ExecutionIndexError else ValueError)
    first = message.split("\n")[0]
    assert 'in function "f": ' in first
    import re
    assert re.search(text, first), first
    assert re.match(op, first), first
    assert error.function == "f" and error.node is not None
    assert isinstance(error.tf_error, tf.errors.OpError)
    # TensorFlow's graph-construction traceback and node annotations are gone...
    for noise in ("Detected at node", "[[{{node", "File \"", "[Op:", "function_node"):
        assert noise not in message
    # ... and TensorFlow's exception is not chained to ours.
    assert error.__cause__ is None and error.__suppress_context__
    assert "Inputs it depends on: " in message


def test_runtime_error_lists_only_the_inputs_the_op_depends_on():
    x, i, z = T.dvector("x"), T.lscalar("i"), T.dmatrix("z")
    f = theano.function([z, x, i], [z * 2, x[i]], name="f")
    with pytest.raises(IndexError) as info:
        f(np.ones((40, 40)), np.arange(3.0), 3)
    message = str(info.value)
    assert message.endswith("Inputs it depends on: x (index 1): [0., 1., 2.]; i (index 2): 3")


def test_runtime_errors_in_gradients_and_shared_variables_name_the_shared_variable():
    W = theano.shared(np.ones((3, 2)), name="W")
    i = T.lscalar("i")
    cost = (W[i] ** 2).sum()
    f = theano.function([i], theano.grad(cost, W), name="f")
    with pytest.raises(IndexError) as info:
        f(5)
    assert "shared W: [[1., 1.], [1., 1.], [1., 1.]]" in str(info.value)


# --- transactional calls ------------------------------------------------------------

def _state(shared_vars):
    return [(v.get_value().dtype, v.get_value().shape, v.get_value().tobytes())
            for v in shared_vars]


# FAST_RUN and FAST_COMPILE have no checks that could fail.
@pytest.mark.parametrize("mode, where", [
    (mode, where) for mode in MODES
    for where in ("argument", "output", "update", "shape", "check")
    if where != "check" or mode not in ("FAST_RUN", "FAST_COMPILE")])
def test_a_failed_call_changes_no_shared_variable(mode, where):
    """Several shared variables, all updated; the failure comes from a bad argument,
    an output, one update value, or a mode's check. None of the updates may land,
    not even those that do not depend on the failing op."""
    a = theano.shared(np.arange(4.0), name="a")
    b = theano.shared(np.array([[1, 2], [3, 4]], dtype="int32"), name="b")
    c = theano.shared(np.float32(0.5), name="c")
    steps = theano.shared(np.int64(0), name="steps")
    x, i = T.dvector("x"), T.lscalar("i")
    outputs = [a.sum() + x.sum()]
    new_a = a * 2
    new_c = c + np.float32(1)
    if where == "output":
        outputs.append(x[i])
    if where == "update":
        new_a = a + x[i]
    if where == "shape":
        new_a = a + x  # x of the wrong length
    if where == "check":
        new_c = T.log(c - x.sum()).astype("float32")
    updates = [(a, new_a), (b, b + 1), (c, new_c), (steps, steps + 1)]
    f = theano.function([x, i], outputs, updates=updates, mode=mode, name="step",
                        on_unused_input="ignore")
    shared_vars = [a, b, c, steps]
    good = dict(argument=(np.ones(4), 0), output=(np.ones(4), 1), update=(np.ones(4), 1),
                shape=(np.ones(4), 0), check=(np.full(4, -1.0), 0))[where]
    bad = dict(argument=(np.ones((4, 1)), 0), output=(np.ones(4), 9), update=(np.ones(4), -9),
               shape=(np.ones(3), 0), check=(np.ones(4), 0))[where]
    error = dict(argument=TypeError, output=IndexError, update=IndexError, shape=ValueError,
                 check=FloatingPointError)[where]
    for _ in range(2):
        before = _state(shared_vars)
        with pytest.raises(error):
            f(*bad)
        assert _state(shared_vars) == before
        f(*good)  # a good call still applies every update
        assert steps.get_value() == _ + 1
    assert b.get_value().tolist() == [[3, 4], [5, 6]]
    assert c.get_value().dtype == np.float32


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE"])
def test_outputs_are_computed_from_the_old_values(mode):
    a = theano.shared(np.array([1.0, 2.0]), name="a")
    b = theano.shared(np.array([10.0, 20.0]), name="b")
    f = theano.function([], [a, b, a + b], updates=[(a, b), (b, a)], mode=mode)
    out = f()
    np.testing.assert_array_equal(out[0], [1.0, 2.0])
    np.testing.assert_array_equal(out[1], [10.0, 20.0])
    np.testing.assert_array_equal(a.get_value(), [10.0, 20.0])
    np.testing.assert_array_equal(b.get_value(), [1.0, 2.0])
    out = f()
    np.testing.assert_array_equal(out[0], [10.0, 20.0])  # not overwritten by the assignment


def test_nanguardmode_failure_in_a_shared_update_keeps_everything():
    w = theano.shared(np.array([1.0, 20.0]), name="w")
    seen = theano.shared(np.int64(0), name="seen")
    lr = T.dscalar("lr")
    f = theano.function([lr], (w ** 2).sum(), updates=[(w, w * lr), (seen, seen + 1)],
                        mode=NanGuardMode(), name="f")
    with pytest.raises(NanGuardError, match=r"big value detected in the output of \(w \* lr\)"):
        f(1e9)  # 2e10 in w * lr; lr itself is not big
    assert seen.get_value() == 0 and w.get_value().tolist() == [1.0, 20.0]
    with pytest.raises(InvalidValueError):
        f(np.inf)
    assert seen.get_value() == 0
    f(2.0)
    assert seen.get_value() == 1 and w.get_value().tolist() == [2.0, 40.0]


class _NoKernel(Op):
    """An op whose lowering asks TensorFlow for a kernel that does not exist."""
    name = "no_kernel"

    def make_node(self, x):
        return Apply(self, [x], [x.type])

    def lower(self, node, inputs, ctx):
        return [tf.bitwise.bitwise_and(inputs[0], inputs[0])]  # no float kernel


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE"])
def test_a_lowering_tensorflow_refuses_names_the_op(mode):
    x = T.dvector("x")
    out = _NoKernel()(x * 2) + 1
    with pytest.raises(TypeError) as info:  # FAST_RUN when compiling, FAST_COMPILE when called
        theano.function([x], out, name="f", mode=mode)(np.ones(2))
    message = str(info.value)
    assert "no_kernel((x * TensorConstant{2}))" in message and 'function "f"' in message
    assert "allowed values" in message
    assert info.value.node.op.name == "no_kernel"
    assert info.value.__cause__ is None


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE"])
def test_constant_outputs_and_updates(mode):
    x = T.dvector("x")
    s = theano.shared(np.int64(3), name="s")
    f = theano.function([x], [T.constant(5), x, T.cast(T.constant(np.uint8(7)), "uint8")],
                        updates=[(s, T.constant(np.int64(9)))], mode=mode, on_unused_input="ignore")
    five, same, seven = f([1.0])
    assert five == 5 and five.dtype == np.int8 and seven.dtype == np.uint8
    np.testing.assert_array_equal(same, [1.0])
    assert s.get_value() == 9


def test_nanguardmode_ignores_unused_inputs_and_keeps_updates_atomic():
    x, unused = T.dvector("x"), T.dvector("unused")
    steps = theano.shared(np.int64(0), name="steps")
    f = theano.function([x, unused], x * 2, updates=[(steps, steps + 1)], mode=NanGuardMode(),
                        on_unused_input="ignore", name="f")
    f([1.0], [np.nan])  # not part of the graph: not checked, as it cannot matter
    assert steps.get_value() == 1
    with pytest.raises(NanGuardError):
        f([np.nan], [1.0])
    assert steps.get_value() == 1
