"""``theano.OrderedUpdates``, ``theano.change_flags`` and the top-level
``theano.dot`` / ``theano.get_scalar_constant_value``, as Theano 1.0 had them
(theano/updates.py, theano/configparser.py)."""
import collections

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T


def test_ordered_updates_join_with_plus_and_drive_a_function():
    a, b = theano.shared(1.0, "a"), theano.shared(2.0, "b")
    first = theano.OrderedUpdates([(a, a + 1)])
    both = first + collections.OrderedDict([(b, b * 10)])
    assert list(both) == [a, b]
    f = theano.function([], [], updates=both)
    f()
    assert (a.get_value(), b.get_value()) == (2.0, 20.0)
    assert list(collections.OrderedDict([(b, b)]) + first) == [b, a]  # __radd__ keeps order


def test_ordered_updates_refuse_non_shared_keys_and_collisions():
    a = theano.shared(1.0, "a")
    with pytest.raises(TypeError, match="shared variables"):
        theano.OrderedUpdates([(T.dscalar("x"), 1.0)])
    updates = theano.OrderedUpdates([(a, a + 1)])
    updates.update({a: updates[a]})  # the same value again is fine
    with pytest.raises(KeyError, match="Collision"):
        updates.update({a: a + 2})


def test_change_flags_as_block_and_decorator_restores_the_config():
    before = theano.config.floatX
    with theano.change_flags(floatX="float32"):
        assert T.matrix().dtype == "float32"
    assert theano.config.floatX == before

    @theano.change_flags(floatX="float32")
    def build():
        return T.vector()
    assert build().dtype == "float32"
    assert theano.config.floatX == before
    with pytest.raises(ValueError):
        with theano.change_flags(floatX="float8"):
            pass
    assert theano.config.floatX == before


def test_top_level_dot_and_constant_value():
    x = T.dmatrix("x")
    f = theano.function([x], theano.dot(x, x.T))
    value = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(f(value), value @ value.T)
    assert theano.get_scalar_constant_value(T.constant(3) * 2) == 6
