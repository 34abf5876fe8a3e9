"""Shared variables: dtype from the value, get_value / set_value rules, broadcastable."""
import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T


# --- dtype and type from the value -------------------------------------------------------

@pytest.mark.parametrize("floatX_value", ["float64", "float32"])
@pytest.mark.parametrize("value,dtype,ndim", [
    (1.5, "float64", 0), (3, "int64", 0), (True, "bool", 0), ([1.0, 2.0], "float64", 1),
    ([[1, 2], [3, 4]], "int64", 2), (np.float32(2.5), "float32", 0),
    (np.array([1.3, 2.4]), "float64", 1), (np.zeros((2, 3), "int8"), "int8", 2),
    (np.ones((1, 1, 2), "float32"), "float32", 3), (np.array(1 + 2j), "complex128", 0),
])
def test_dtype_comes_from_the_value_not_floatX(floatX, floatX_value, value, dtype, ndim):
    floatX(floatX_value)
    s = theano.shared(value)
    assert s.dtype == dtype and s.ndim == ndim
    assert s.broadcastable == (False,) * ndim
    assert s.type == T.TensorType(dtype, (False,) * ndim)
    got = s.get_value()
    assert isinstance(got, np.ndarray) and got.dtype == dtype
    np.testing.assert_array_equal(got, np.asarray(value))


def test_name_and_type_as_in_the_seed():
    s = theano.shared(np.array([[1, 2], [3, 4]], dtype=theano.config.floatX), "W")
    assert s.name == "W" and str(s) == "W"
    assert str(s.type()) == f"<TensorType({theano.config.floatX}, matrix)>"
    unnamed = theano.shared(np.zeros(2))
    assert unnamed.name is None


def test_shared_of_non_numbers_or_of_a_shared_variable_raises():
    with pytest.raises(TypeError):
        theano.shared("text")
    with pytest.raises(TypeError):
        theano.shared(np.array(["a", "b"]))
    with pytest.raises(TypeError):
        theano.shared([object()])
    with pytest.raises(TypeError):
        theano.shared(theano.shared(1.0))


# --- broadcastable --------------------------------------------------------------------------

def test_broadcastable_given():
    s = theano.shared(np.zeros((1, 3)), "row", broadcastable=(True, False))
    assert s.broadcastable == (True, False)
    x = T.dmatrix("x")
    f = theano.function([x], x + s, name="f")
    assert (x + s).broadcastable == (False, False)
    np.testing.assert_array_equal(f(np.ones((4, 3))), np.ones((4, 3)))
    s.set_value(np.full((1, 3), 2.0))
    np.testing.assert_array_equal(f(np.ones((2, 3))), np.full((2, 3), 3.0))


def test_broadcastable_must_fit_the_value():
    with pytest.raises((TypeError, ValueError)):
        theano.shared(np.zeros((2, 3)), broadcastable=(True, False))
    with pytest.raises((TypeError, ValueError)):
        theano.shared(np.zeros((1, 3)), broadcastable=(True,))


def test_without_broadcastable_a_length_one_dimension_does_not_broadcast():
    s = theano.shared(np.zeros((1, 3)))
    assert s.broadcastable == (False, False)
    s.set_value(np.zeros((5, 3)))  # allowed: dimension 0 is not broadcastable
    assert s.get_value().shape == (5, 3)


# --- get_value ----------------------------------------------------------------------------

def test_get_value_returns_a_copy():
    s = theano.shared(np.array([1.0, 2.0]))
    value = s.get_value()
    value[0] = 100.0
    np.testing.assert_array_equal(s.get_value(), [1.0, 2.0])
    assert s.get_value() is not s.get_value()


def test_get_value_borrow_returns_the_current_value():
    s = theano.shared(np.array([1.0, 2.0]))
    borrowed = s.get_value(borrow=True)
    assert isinstance(borrowed, np.ndarray)
    np.testing.assert_array_equal(borrowed, [1.0, 2.0])
    np.testing.assert_array_equal(s.get_value(borrow=True, return_internal_type=True), [1.0, 2.0])


def test_the_value_is_copied_from_the_argument():
    original = np.array([1.0, 2.0])
    s = theano.shared(original)
    original[0] = 100.0
    np.testing.assert_array_equal(s.get_value(), [1.0, 2.0])
    update_me = np.array([5.0, 6.0])
    s.set_value(update_me)
    update_me[0] = -1.0
    np.testing.assert_array_equal(s.get_value(), [5.0, 6.0])


def test_get_value_sees_updates_made_by_functions():
    s = theano.shared(np.zeros(2), "s")
    theano.function([], [], updates=[(s, s + 1)], name="f")()
    np.testing.assert_array_equal(s.get_value(), [1.0, 1.0])


# --- set_value ----------------------------------------------------------------------------

def test_set_value_may_change_the_shape():
    s = theano.shared(np.zeros((2, 2)), "s")
    f = theano.function([], s.sum(axis=0), name="f")
    s.set_value(np.ones((3, 5)))
    assert s.get_value().shape == (3, 5)
    np.testing.assert_array_equal(f(), np.full(5, 3.0))
    s.set_value(np.ones((0, 1)))
    np.testing.assert_array_equal(f(), np.zeros(1))


@pytest.mark.parametrize("bad", [
    np.zeros(3),                    # ndim 1, not 2
    np.zeros((2, 2, 2)),            # ndim 3
    np.zeros((2, 2), "complex128"),  # cannot become float64 without loss
    [[1.0, 2.0], [3.0]],            # ragged
    "text",
    [["a", "b"]],
    None,
])
def test_failed_set_value_raises_and_keeps_the_old_value(bad):
    s = theano.shared(np.array([[1.0, 2.0], [3.0, 4.0]]), "s")
    with pytest.raises((TypeError, ValueError)):
        s.set_value(bad)
    np.testing.assert_array_equal(s.get_value(), [[1.0, 2.0], [3.0, 4.0]])
    assert s.get_value().dtype == np.float64


def test_set_value_keeps_broadcastable_dimensions_of_length_one():
    s = theano.shared(np.zeros((1, 3)), "s", broadcastable=(True, False))
    s.set_value(np.ones((1, 7)))
    with pytest.raises(TypeError):
        s.set_value(np.ones((2, 3)))
    np.testing.assert_array_equal(s.get_value(), np.ones((1, 7)))


@pytest.mark.parametrize("value", [np.array([1.0, 2.0]), np.array([1, 2], "int32"), [0.5, 0.25]])
def test_set_value_refuses_unsafe_casts(value):
    s = theano.shared(np.zeros(2, "float32"), "s")
    with pytest.raises(TypeError):
        s.set_value(value if not isinstance(value, list) else np.asarray(value))
    np.testing.assert_array_equal(s.get_value(), [0.0, 0.0])
    assert s.get_value().dtype == np.float32


def test_set_value_accepts_safe_casts_and_keeps_the_dtype():
    s = theano.shared(np.zeros(2), "s")
    s.set_value(np.array([1, 2], "int32"))
    assert s.get_value().dtype == np.float64
    np.testing.assert_array_equal(s.get_value(), [1.0, 2.0])
    s.set_value([3, 4])
    np.testing.assert_array_equal(s.get_value(), [3.0, 4.0])
    f = theano.shared(np.zeros(2, "float32"), "f")
    f.set_value([0.5, 0.25])  # exactly representable in float32
    assert f.get_value().dtype == np.float32
    i = theano.shared(np.int64(0), "i")
    i.set_value(7)
    assert i.get_value() == 7 and i.get_value().dtype == np.int64


def test_strict_and_allow_downcast():
    strict = theano.shared(np.zeros(2), "strict", strict=True)
    with pytest.raises(TypeError):
        strict.set_value(np.zeros(2, "float32"))
    strict.set_value(np.ones(2))
    loose = theano.shared(np.zeros(2, "float32"), "loose", allow_downcast=True)
    loose.set_value(np.array([0.1, 0.2]))
    assert loose.get_value().dtype == np.float32
    np.testing.assert_array_equal(loose.get_value(), np.array([0.1, 0.2], "float32"))


def test_set_value_of_a_scalar():
    s = theano.shared(0.0, "s")
    s.set_value(2.5)
    assert s.get_value() == 2.5 and s.get_value().shape == ()
    with pytest.raises(TypeError):
        s.set_value([1.0])
    assert s.get_value() == 2.5


def test_shared_variable_constructor_converts_its_value_by_its_type():
    # Theano 1.0.5 compile/sharedvalue.py SharedVariable.__init__: the value is
    # type.filter(value, strict=, allow_downcast=).
    from tfgraph.compile.sharedvalue import SharedVariable
    from tfgraph.graph import TensorType
    u = SharedVariable(name="u", type=TensorType("float64", (False,)), value=[1, 2], strict=False)
    assert u.get_value().dtype == np.float64 and list(u.get_value()) == [1.0, 2.0]
    with pytest.raises(TypeError):
        SharedVariable(name="u", type=TensorType("float64", (False,)), value={}, strict=False)
    with pytest.raises(TypeError):
        SharedVariable(name="u", type=TensorType("float64", (False,)),
                       value=np.array([1, 2], dtype="int32"), strict=True)


def test_set_value_of_text_raises_both_of_theanos_errors_and_keeps_the_value():
    # tensor/type.py TensorType.filter converts with numpy.asarray, whose error
    # for text is a ValueError; tfgraph's conversion errors are TypeErrors.
    u = theano.shared(np.array([1.0, 2.0]), name="u")
    for error in (ValueError, TypeError):
        with pytest.raises(error, match="set_value of shared variable u"):
            u.set_value("adsf")
    assert list(u.get_value()) == [1.0, 2.0]


def test_borrowed_python_scalars_make_shared_variables():
    # tensor/tests/test_sharedvar.py test_scalar_shared_options
    assert theano.shared(value=0.0, name="lk", borrow=True).get_value() == 0.0
    assert theano.shared(value=np.float32(0.0), borrow=True).dtype == "float32"
    kept = np.arange(3.0)
    assert theano.shared(kept, borrow=True).get_value().tolist() == [0.0, 1.0, 2.0]
