"""Input defaults with state: ``In(x, value=..., update=...)``, containers
(``f[x]``, ``f.value``, ``f.container``) and ``In``'s ``implicit``,
``mutable`` and ``borrow``, as Theano 1.0.5 defines them
(theano/compile/io.py ``In``/``SymbolicInput``; theano/compile/function_module.py
``Function.__init__`` (finder, ValueAttribute), ``Function.__call__``,
``Function.copy``; theano/gof/link.py ``Container``)."""
import copy
import pickle
import threading

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph import In
from tfgraph.compile.container import Container
from tfgraph.graph import MissingInputError, UnusedInputError


def _accumulator():
    a = T.dscalar()
    x, s = T.dscalars("x", "s")
    f = theano.function([x, In(a, value=1.0, name="a"), In(s, value=0.0, update=s + a * x)],
                        s + a * x)
    return f, a, x, s


def test_update_keeps_state_and_an_override_is_for_one_call():
    # function_module.py __call__: a default without update is fed back after
    # the call (refeed); one with an update takes the update's value.
    f, a, x, s = _accumulator()
    assert f[a] == 1.0 and f[s] == 0.0
    assert f(3.0) == 3.0
    assert f(3.0, a=2.0) == 9.0
    assert f[a] == 1.0 and f[s] == 9.0
    f[a] = 5.0
    assert f(3.0) == 24.0 and f[s] == 24.0
    assert f.value["a"] == 5.0 and f.value[1] == 5.0 and "a" in f and x in f.container


def test_a_given_value_for_an_updated_input_is_the_base_of_its_update():
    f, a, x, s = _accumulator()
    f(1.0)
    assert f(1.0, 1.0, 10.0) == 11.0   # s given: 10 + 1*1
    assert f[s] == 11.0


def test_a_failed_call_leaves_every_default_as_it_was():
    v = T.dvector("v")
    st = T.dscalar("st")
    f = theano.function([v, In(st, value=2.0, update=st + v[5])], st + v.sum())
    with pytest.raises(IndexError):
        f(np.ones(3))                           # fails while the graph runs
    assert f[st] == 2.0
    with pytest.raises(TypeError):
        f("not numbers")                         # fails converting an argument
    assert f[st] == 2.0
    with pytest.raises(IndexError):
        f(np.ones(3), 100.0)                     # a given base, then a failure
    assert f[st] == 2.0
    assert f(np.ones(6)) == 8.0 and f[st] == 3.0


def test_a_bad_default_is_refused_and_leaves_the_old_one():
    f, a, x, s = _accumulator()
    with pytest.raises((TypeError, ValueError)):
        f[a] = "no"
    assert f[a] == 1.0
    with pytest.raises(TypeError, match="unknown input"):
        f["nonexistent"] = 1.0
    with pytest.raises(TypeError, match="containers cannot be replaced"):
        f.container[a] = Container(a, [None])


def test_functions_sharing_a_container_share_the_state():
    # test_function_module.py test_shared_state0 / _not_implicit, as documented
    # in Theano's doc/topics/function.txt.
    x, s = T.dscalars("x", "s")
    inc = theano.function([x, In(s, update=s + x, value=10.0)], [])
    dec = theano.function([x, In(s, update=s - x, value=inc.container[s], implicit=False)], [])
    assert dec[s] is inc[s]
    inc[s] = 2
    assert dec[s] == 2
    dec(1)
    assert inc[s] == 1
    dec(1, 0)
    assert inc[s] == -1 and dec[s] == -1


def test_an_implicit_input_refuses_a_value():
    # io.py In: implicit defaults to True for a Container value.
    x, s = T.dscalars("x", "s")
    inc = theano.function([x, In(s, update=s + x, value=0.0)], [])
    peek = theano.function([x, In(s, value=inc.container[s])], x + s)
    inc(4.0)
    assert peek(1.0) == 5.0
    with pytest.raises(TypeError, match="implicit"):
        peek(1.0, 3.0)
    with pytest.raises(TypeError, match="implicit"):
        peek(1.0, s=3.0)
    with pytest.raises(TypeError, match="default value"):
        In(s, implicit=True)


def test_in_checks_its_options():
    x, s = T.dscalars("x", "s")
    with pytest.raises(TypeError, match="name must be a string"):
        In(x, name=[])
    with pytest.raises(TypeError, match="type"):
        In(x, update=T.dvector())
    with pytest.raises(AssertionError, match="borrow"):
        In(x, mutable=True, borrow=False)
    assert In(x, update=x + 1).mutable and In(x, update=x + 1).borrow
    assert not In(x).mutable


def test_missing_and_unused_inputs_of_updates():
    # test_function_module.py test_missing_inputs: an update needing an input
    # that is not given is a missing input; an unused input is reported first.
    x, s = T.dscalars("x", "s")
    with pytest.raises(MissingInputError):
        theano.function([In(x, update=s + x)], x)
    with pytest.raises(UnusedInputError):
        theano.function([s], x)
    # An input used only by its own update is used.
    theano.function([In(s, value=0.0, update=s + 1)], [])


def test_copy_shares_immutable_values_and_restarts_mutable_ones():
    # function_module.py Function.copy: not mutable -> the same value object;
    # mutable (the default with an update) -> the In's own value again.
    f, a, x, s = _accumulator()
    f(2.0)
    g = copy.copy(f)
    assert g.container[s] is not f.container[s]
    assert g.value[a] is f.value[a]
    assert f[s] == 2.0 and g[s] == 0.0
    g(1.0)
    assert f[s] == 2.0 and g[s] == 1.0


def test_copy_with_delete_updates_drops_the_input_updates_too():
    f, a, x, s = _accumulator()
    f(2.0)
    g = f.copy(delete_updates=True)
    assert g(1.0) == 1.0 and g(1.0) == 1.0      # s stays at its first default, 0
    assert f[s] == 2.0


def test_pickle_and_deepcopy_keep_current_defaults_and_shared_containers():
    f, a, x, s = _accumulator()
    f(2.0)
    for g in (pickle.loads(pickle.dumps(f)), copy.deepcopy(f)):
        assert g[2] == 2.0 and g[1] == 1.0 and s not in g.container
        assert g(1.0) == 3.0 and f[s] == 2.0
    # One pickle of two functions sharing a container keeps it shared.
    inc = theano.function([x, In(s, update=s + x, value=0.0)], [])
    peek = theano.function([In(s, value=inc.container[s])], s * 1)
    inc2, peek2 = pickle.loads(pickle.dumps((inc, peek)))
    inc2(5.0)
    assert peek2() == 5.0 and peek() == 0.0


def test_loop_and_export_refuse_input_updates(tmp_path):
    f, a, x, s = _accumulator()
    with pytest.raises(NotImplementedError, match="update"):
        f.loop(3, 1.0)
    with pytest.raises(NotImplementedError, match="update"):
        f.export_saved_model(str(tmp_path / "model"))
    assert f[s] == 0.0


def test_concurrent_calls_are_serialized():
    x, s = T.lscalars("x", "s")
    f = theano.function([x, In(s, value=0, update=s + x)], s)
    threads = [threading.Thread(target=lambda: [f(1) for _ in range(50)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert f[s] == 200


def test_container_filters_by_its_type():
    v = T.fvector("v")
    c = Container(v, [None])
    c.value = [1, 2]
    assert c.value.dtype == np.float32 and c.data is c.storage[0]
    with pytest.raises(TypeError):
        c.value = np.zeros((2, 2))
    assert list(c.value) == [1.0, 2.0]
    with pytest.raises(TypeError, match="storage"):
        Container(v, None)
