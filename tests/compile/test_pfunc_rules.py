"""How ``function`` reads its updates, default updates and givens, as
Theano 1.0.5's ``pfunc`` and ``rebuild_collect_shared`` (theano/compile/pfunc.py)
and ``FunctionMaker._check_unused_inputs`` (theano/compile/function_module.py)."""
import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.graph import MissingInputError, UnusedInputError


def test_default_updates_are_collected_through_other_default_updates():
    # pfunc.py: update_expr is extended while it is iterated over.
    x, y, z = theano.shared(2), theano.shared(1), theano.shared(-1)
    x.default_update = x - y
    y.default_update = z
    z.default_update = z - 1
    theano.function([], [x])()
    assert (x.get_value(), y.get_value(), z.get_value()) == (1, -1, -2)
    theano.function([], [x, y], no_default_updates=[x])()
    assert (x.get_value(), y.get_value(), z.get_value()) == (1, -2, -3)


def test_default_updates_stop_at_inputs_and_givens_keys():
    a = theano.shared(0)
    a.default_update = a + 1
    b = 2 * a
    f = theano.function([b], b)     # only the tip of the graph: a is not read
    f(21)
    assert a.get_value() == 0
    c = theano.shared(1.0)
    c.default_update = c + 3.0
    d = T.dscalar("d")
    g = theano.function([d], c + 10, givens={c: d})
    assert g(1.0) == 11.0 and c.get_value() == 1.0


def test_a_default_update_needing_an_input_is_a_missing_input():
    x, y = theano.shared(0), theano.shared(1)
    a = T.lscalar("a")
    x.default_update = y
    y.default_update = y + a
    with pytest.raises(MissingInputError):
        theano.function([], x)
    theano.function([a], x)(2)
    assert (x.get_value(), y.get_value()) == (1, 3)


def test_no_default_updates_must_be_a_bool_or_a_list():
    x = theano.shared(0)
    x.default_update = x + 2
    for bad in (x, (x,), "canard"):
        with pytest.raises(TypeError, match="no_default_updates"):
            theano.function([], [x], no_default_updates=bad)
    assert x.get_value() == 0


def test_updates_need_the_exact_type_and_values_become_constants_of_it():
    out = theano.shared(np.zeros((3, 3), dtype="float32"))
    with pytest.raises(TypeError, match="same type"):
        theano.function([], [], updates={out: out.sum().dimshuffle("x", "x")})
    n = theano.shared(0)
    theano.function([], [], updates={n: 3})()      # 3 held as an int64 constant
    assert n.get_value() == 3 and n.get_value().dtype == np.int64
    with pytest.raises(TypeError):
        theano.function([], [], updates={n: 3.5})


def test_givens_values_may_be_plain_values_and_may_not_replace_inputs():
    x = theano.shared(0)
    assert theano.function([], x, givens={x: 3})() == 3 and x.get_value() == 0
    y = T.dscalar("y")
    with pytest.raises(RuntimeError, match="input of the function"):
        theano.function([y], y * 2, givens={y: y + 1})


def test_rebuild_strict_false_lets_givens_change_the_type():
    w = T.imatrix()
    x, y = T.ivectors("x", "y")
    with pytest.raises(TypeError):
        theano.function([w, y], x * y, givens=[(x, w)])
    f = theano.function([w, y], x * y, givens=[(x, w)], rebuild_strict=False)
    z = f(np.ones((3, 5), dtype="int32"), np.arange(5, dtype="int32"))
    assert z.shape == (3, 5) and np.all(z == np.arange(5))


def test_inputs_given_twice_and_unused_inputs_are_reported_first():
    x, s = T.dscalars("x", "s")
    with pytest.raises(UnusedInputError, match="twice"):
        theano.function([x, x], x)
    with pytest.raises(UnusedInputError):
        theano.function([s], x)          # unused s before missing x, as Theano
    with pytest.raises(MissingInputError):
        theano.function([s], x, on_unused_input="ignore")
    w = theano.shared(np.ones(2), "w")
    with pytest.raises(TypeError, match=r"Cannot use a shared variable \(w\) as explicit input"):
        theano.function([w], w.sum())
