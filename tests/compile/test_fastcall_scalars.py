"""Python int and float scalars take the short call path when their input's
dtype holds them exactly, and the general path (Theano's rules) otherwise."""
import numpy as np
import pytest

import tfgraph
import tfgraph.tensor as T
from tfgraph.compile.inputs import _exact_scalar


def test_exact_scalar_rule():
    assert _exact_scalar(3, np.dtype("int64")) and _exact_scalar(-2**63, np.dtype("int64"))
    assert not _exact_scalar(2**63, np.dtype("int64"))
    assert _exact_scalar(127, np.dtype("int8")) and not _exact_scalar(128, np.dtype("int8"))
    assert not _exact_scalar(-1, np.dtype("uint8"))
    assert not _exact_scalar(3, np.dtype("float32"))  # left to Theano's rules
    assert _exact_scalar(0.1, np.dtype("float64")) and not _exact_scalar(0.1, np.dtype("float32"))


def test_minibatch_index_as_python_int():
    data = tfgraph.shared(np.arange(12, dtype="float64"))
    index, small = T.lscalar("index"), T.bscalar("small")
    lr = T.dscalar("lr")
    f = tfgraph.function([index, small, lr], data[index * 3:(index + 1) * 3].sum() * lr + small)
    assert f.arguments.exact([2, 1, 0.5]) is not None
    assert f(2, 1, 0.5) == pytest.approx((6 + 7 + 8) * 0.5 + 1)
    assert f(np.int64(3), np.int8(0), 1.0) == pytest.approx(9 + 10 + 11)
    # Not held exactly by int8: the general path, and Theano's error.
    assert f.arguments.exact([0, 300, 1.0]) is None
    with pytest.raises(TypeError, match="small"):
        f(0, 300, 1.0)
    assert f.arguments.exact([True, 0, 1.0]) is None  # bool is not taken for an int


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "uint16", "int64",
                                   "uint64", "bool", "complex64", "complex128"])
def test_a_numpy_scalar_argument_arrives_bit_for_bit(dtype):
    # 0-d arrays and NumPy scalars go through their Python number on the
    # short path: every value of the dtype must arrive unchanged.
    kind = np.dtype(dtype).kind
    if kind == "b":
        values = [True, False]
    elif kind in "iu":
        info = np.iinfo(dtype)
        values = [info.min, info.max, 0, 1]
    else:
        info = np.finfo(dtype)
        values = [info.max, info.min, info.tiny, info.eps, -0.0, np.inf, -np.inf, np.nan, 1 / 3]
        if kind == "c":
            values += [complex(info.max, -info.tiny), complex(np.nan, -0.0)]
    x = T.scalar("x", dtype=dtype)
    f = tfgraph.function([x], x)
    for value in values:
        for argument in (np.array(value, dtype), np.dtype(dtype).type(value)):
            assert f.arguments.exact([argument]) is not None
            got = np.asarray(f(argument))
            assert got.dtype == dtype and got.tobytes() == np.array(value, dtype).tobytes(), value


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_a_negative_zero_after_a_positive_one_keeps_its_sign(dtype):
    # TensorFlow keeps the tensors of Python numbers and finds them by
    # equality, where -0.0 == 0.0; the short path must not hand back 0.0.
    positive, negative = (0.0, -0.0) if dtype.startswith("float") else \
        (complex(1, 0.0), complex(1, -0.0))
    x = T.scalar("x", dtype=dtype)
    f = tfgraph.function([x], 1 / x if dtype.startswith("float") else x)
    arguments = [np.dtype(dtype).type, lambda v: np.array(v, dtype)]
    if dtype == "float64":
        arguments.append(float)
    for make in arguments:
        for value in (positive, negative):
            got = np.asarray(f(make(value)))
            with np.errstate(divide="ignore"):
                expected = np.asarray(1 / np.array(value, dtype) if dtype.startswith("float")
                                      else np.array(value, dtype))
            assert got.tobytes() == expected.tobytes(), (make, value, got)
