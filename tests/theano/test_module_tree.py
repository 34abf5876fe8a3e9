"""Theano 1.0.5's modules under the alias (``theano.tensor.basic``,
``theano.compile.io``, ``theano.gof.fg``, ...): the names Theano code imports
from them, the same objects as the namespaces', with real behaviour on
tfgraph's graph. Each test cites the Theano module it follows."""
import importlib
import warnings

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph.compile.function import MissingInputError
from tfgraph.gof import FunctionGraph
from tfgraph.gof import graph as gof_graph

MODULES = ["theano.tensor.basic", "theano.tensor.var", "theano.tensor.type",
           "theano.tensor.sharedvar", "theano.tensor.type_other", "theano.tensor.utils",
           "theano.tensor.opt", "theano.tensor.fft", "theano.tensor.nnet.nnet",
           "theano.tensor.nnet.sigm", "theano.tensor.nnet.conv3d2d", "theano.tensor.nnet.corr",
           "theano.tensor.nnet.corr3d", "theano.tensor.nnet.ctc", "theano.tensor.nnet.blocksparse",
           "theano.tensor.signal.conv", "theano.compile.io", "theano.compile.function_module",
           "theano.compile.sharedvalue", "theano.compile.pfunc", "theano.compile.mode",
           "theano.compile.monitormode", "theano.gof.fg", "theano.gof.op", "theano.gof.type",
           "theano.gof.utils", "theano.gof.opt", "theano.gof.toolbox", "theano.gof.null_type",
           "theano.compat", "theano.raise_op", "theano.misc.may_share_memory",
           "theano.misc.safe_asarray", "theano.sandbox.multinomial", "theano.sandbox.linalg",
           "theano.sandbox.neighbours", "theano.configparser", "theano.configdefaults",
           "theano.scan_module.scan_utils", "theano.scan_module.scan_views"]


@pytest.mark.parametrize("name", MODULES)
def test_each_module_imports_through_the_alias(theano_alias, name):
    module = importlib.import_module(name)
    assert module is importlib.import_module("tfgraph" + name[len("theano"):])


def test_modules_hold_the_namespaces_objects(theano_alias):
    """theano/tensor/__init__.py: ``from theano.tensor.basic import *`` and
    the others; theano/compile/__init__.py likewise."""
    import theano
    import theano.compile.io
    import theano.compile.mode
    import theano.tensor.basic
    import theano.tensor.nnet.nnet
    import theano.tensor.nnet.sigm
    from theano.compile.sharedvalue import shared
    from theano.gof import MissingInputError as gof_missing
    assert theano.tensor.basic.dot is theano.tensor.dot
    assert theano.tensor.basic.as_tensor_variable is theano.tensor.as_tensor_variable
    assert theano.tensor.nnet.nnet.softsign is theano.tensor.nnet.softsign
    assert theano.tensor.nnet.sigm.sigmoid is theano.tensor.nnet.sigmoid
    assert theano.compile.io.In is theano.In and theano.compile.io.Out is theano.Out
    assert shared is theano.shared and gof_missing is MissingInputError
    assert theano.compile.pfunc is theano.compile.pfunc.__class__ or callable(theano.compile.pfunc)
    assert theano.compile.mode.get_default_mode().__class__.__name__ in ("FastRun", "Mode")
    assert isinstance(theano.shared(np.zeros(2)), theano.tensor.sharedvar.TensorSharedVariable)
    assert theano.compat.izip is zip and theano.compat.PY3
    assert theano.clone is theano.scan_module.scan_utils.clone


def test_function_raises_gof_missing_input_error():
    """theano/gof/fg.py: MissingInputError, the error function() raises."""
    x, y = T.dscalars("x", "y")
    with pytest.raises(theano.gof.MissingInputError):
        theano.function([x], x + y)


def test_function_graph_inspects_and_replaces_on_a_copy():
    """theano/gof/fg.py: FunctionGraph(inputs, outputs, clone=True)."""
    x, y = T.dvectors("x", "y")
    out = (x * y).sum()
    fgraph = FunctionGraph([x, y], [out])
    assert fgraph.inputs[0] is not x and fgraph.outputs[0] is not out   # a copy
    nodes = fgraph.toposort()
    assert [n.op for n in nodes] == [out.owner.inputs[0].owner.op, out.owner.op]
    product = nodes[0].outputs[0]
    assert fgraph.clients(product) == [(nodes[1], 0)]
    assert fgraph.clients(fgraph.outputs[0]) == [("output", 0)]
    fgraph.replace(product, product * 2)
    compute = theano.function(fgraph.inputs, fgraph.outputs[0])
    assert compute([1.0, 2.0], [3.0, 4.0]) == 22.0
    assert theano.function([x, y], out)([1.0, 2.0], [3.0, 4.0]) == 11.0  # caller's unchanged
    with pytest.raises(TypeError, match="type of the replacement"):
        fgraph.replace(product, T.ivector())
    with pytest.raises(MissingInputError, match="Undeclared input"):
        FunctionGraph([x], [out])
    shared = theano.shared(np.ones(2), "s")
    with pytest.raises(MissingInputError, match="s is needed"):   # as Theano: not a constant
        FunctionGraph([x], [x + shared])
    assert len(FunctionGraph([x], [x + 1]).toposort()) == 1            # constants are fine
    same = FunctionGraph([x], [x * 2], clone=False)
    assert same.inputs[0] is x and "mul" in str(same)


def test_graph_traversals():
    """theano/gof/graph.py: ops, variables, orphans, io_toposort,
    general_toposort, stack_search, clone_get_equiv, equal_computations."""
    x, y = T.dscalars("x", "y")
    w = theano.shared(1.0, "w")
    a = x * y
    b = a + w
    assert gof_graph.ops([a], [b]) == {b.owner}
    assert gof_graph.ops([x, y], [b]) == {a.owner, b.owner}
    assert gof_graph.orphans([x, y], [b]) == {w}
    assert gof_graph.variables([x, y], [b]) == {x, y, w, a, b}
    assert gof_graph.io_toposort([x, y], [b]) == [a.owner, b.owner]
    order = gof_graph.general_toposort([b], lambda v: v.owner.inputs if v.owner else [])
    assert order.index(a) < order.index(b) and order[-1] is b
    with pytest.raises(ValueError, match="cycles"):
        gof_graph.general_toposort(["p"], lambda n: {"p": ["q"], "q": ["p"]}[n])
    assert gof_graph.stack_search([b], lambda v: v.owner.inputs if v.owner else None)[0] is b
    equiv = gof_graph.clone_get_equiv([x, y], [b])
    assert equiv[b] is not b and equiv[b].owner.op == b.owner.op and equiv[x] is not x
    assert gof_graph.equal_computations([b], [equiv[b]], [x, y, w], [equiv[x], equiv[y],
                                                                       equiv[w]])
    assert not gof_graph.equal_computations([b], [a])
    assert gof_graph.is_in_ancestors(b.owner, x) and not gof_graph.is_in_ancestors(a.owner, w)
    assert gof_graph.as_string([x, y], [b])[0] == f"{b.owner.op}({a.owner.op}(x, y), w)"
    assert gof_graph.io_connection_pattern([x, w], [a, b]) == [[True, True], [False, True]]


def test_test_value_helpers():
    """theano/gof/op.py: get_test_value, get_debug_values, missing_test_message."""
    from tfgraph.gof import op as gof_op
    x = T.dvector("x")
    assert gof_op.get_debug_values(x) == []            # test values off: the loop skips
    with theano.change_flags(compute_test_value="raise"):
        x.tag.test_value = np.ones(2)
        (value,), = gof_op.get_debug_values(x)
        np.testing.assert_array_equal(value, [1.0, 1.0])
        with pytest.raises(AttributeError, match="no test value"):
            gof_op.get_debug_values(T.dvector())
    with theano.change_flags(compute_test_value="warn"):
        with pytest.warns(UserWarning, match="lacks"):
            gof_op.missing_test_message("y lacks one")
    assert gof_op.get_test_value(T.constant(3.0)) == 3.0


def test_gof_utils():
    """theano/gof/utils.py."""
    from tfgraph.gof import utils
    assert utils.toposort({1: set(), 2: {1}, 3: {1, 2}}) == [1, 2, 3]
    with pytest.raises(Exception, match="Cannot sort topologically"):
        utils.toposort({1: {2}, 2: {1}})
    assert utils.uniq([3, 1, 3, 2, 1]) == [3, 1, 2] and utils.unique([1, 2])
    assert utils.flatten([1, (2, [3, 4]), 5]) == [1, 2, 3, 4, 5]
    assert utils.difference([1, 2, 3], [2]) == [1, 3] and utils.hist("aab") == {"a": 2, "b": 1}
    assert utils.hash_from_code("a") == utils.hash_from_code(b"a") != utils.hash_from_code("b")
    calls = []

    @utils.memoize
    def square(n):
        calls.append(n)
        return n * n
    assert square(3) == square(3) == 9 and calls == [3]
    named = utils.give_variables_names([T.dscalar(), T.dscalar("a"), T.dscalar("a")])
    assert len({v.name for v in named}) == 3
    assert issubclass(utils.MethodNotDefined, Exception)


def test_check_stack_trace_reads_creation_traces():
    """theano/gof/opt.py: check_stack_trace. tfgraph's variables carry no
    creation trace unless tagged (gof.utils.add_tag_trace)."""
    from tfgraph.gof.opt import check_stack_trace
    from tfgraph.gof.utils import add_tag_trace
    x = T.dvector("x")
    y = T.exp(x)
    f = theano.function([x], y)
    assert check_stack_trace(f, ops_to_check="all") is False
    add_tag_trace(y)
    assert y.tag.trace and check_stack_trace(FunctionGraph([x], [y], clone=False))
    with pytest.raises(ValueError, match="not in the graph"):
        check_stack_trace(f, ops_to_check=T.tanh)
    assert check_stack_trace(f, ops_to_check=T.tanh, bug_print="ignore")


def test_tensor_utils():
    """theano/tensor/utils.py: hash_from_ndarray and shape_of_variables."""
    from tfgraph.tensor.utils import hash_from_ndarray, shape_of_variables
    data = np.random.rand(5, 5)
    assert hash_from_ndarray(data[::2]) == hash_from_ndarray(data[::2].copy())
    assert len({hash_from_ndarray(a) for a in (np.zeros((1, 0)), np.zeros((2, 0)),
                                               np.zeros(3, "int32"), np.zeros(3, "uint32"))}) == 4
    x = T.dmatrix("x")
    y = T.dot(x, x.T)
    shapes = shape_of_variables(FunctionGraph([x], [y], clone=False), {x: (5, 1)})
    assert shapes[x] == (5, 1) and shapes[y] == (5, 5)
    with pytest.raises(ValueError, match="clone"):
        shape_of_variables(FunctionGraph([x], [y]), {x: (5, 1)})


def test_values_eq_approx():
    """theano/tensor/type.py: TensorType.values_eq_approx and its variants
    (module-level values_eq_approx: arrays of one shape and dtype only)."""
    from tfgraph.tensor import type as tensor_type
    a = np.array([1.0, np.inf, np.nan], "float32")

    def f32(*values):
        return np.array(values, "float32")
    assert tensor_type.values_eq_approx(a, a + np.float32(1e-6))
    assert not tensor_type.values_eq_approx(a, f32(1.0, 5.0, np.nan))
    assert tensor_type.values_eq_approx_remove_inf(a, f32(1.0, 5.0, np.nan))
    assert not tensor_type.values_eq_approx_remove_inf(a, f32(1.0, 5.0, 3.0))
    assert tensor_type.values_eq_approx_remove_inf_nan(a, f32(1.0, 5.0, 3.0))
    assert not tensor_type.values_eq_approx(a, a[:2])
    assert not tensor_type.values_eq_approx(a, a.astype("float64"))   # another dtype
    assert not tensor_type.values_eq_approx(a, list(a))                # not an ndarray


def test_shared_constructors_refuse_other_values():
    """theano/tensor/sharedvar.py: tensor_constructor, scalar_constructor."""
    from tfgraph.tensor import sharedvar
    assert sharedvar.tensor_constructor(np.ones(3)).get_value().shape == (3,)
    assert sharedvar.scalar_constructor(2.5).get_value() == 2.5
    with pytest.raises(TypeError):
        sharedvar.tensor_constructor([1.0, 2.0])
    with pytest.raises(TypeError):
        sharedvar.scalar_constructor(np.ones(2))


def test_rebuild_collect_shared():
    """theano/compile/pfunc.py: the graph with replacements, its shared
    variables and their updates (default updates too)."""
    from tfgraph.compile.pfunc import rebuild_collect_shared
    x, z = T.dscalars("x", "z")
    w = theano.shared(2.0, "w")
    counter = theano.shared(0, "counter")
    counter.default_update = counter + 1
    inputs, out, (shared, updates, _) = rebuild_collect_shared(
        x * w + counter, [x], replace={x: z}, updates=[(w, w * 2)])
    assert inputs == [x] and x not in gof_graph.ancestors([out]) and z in gof_graph.ancestors([out])
    assert set(shared) == {w, counter}
    assert [u[0] for u in updates] == [w, counter]
    assert rebuild_collect_shared(x, [x], no_default_updates=True)[2][1] == []
    with pytest.raises(TypeError, match="another type"):
        rebuild_collect_shared(x * 2, [x], replace={x: T.ivector()})


def test_may_share_memory_and_asarray(floatX):
    """theano/misc/may_share_memory.py and safe_asarray.py."""
    import scipy.sparse
    from tfgraph.misc.may_share_memory import may_share_memory
    from tfgraph.misc.safe_asarray import _asarray
    a = np.zeros(10)
    assert may_share_memory(a, a[2:]) and not may_share_memory(a, a.copy())
    sparse = scipy.sparse.csr_matrix(np.eye(3))
    assert may_share_memory(sparse, sparse.data) and not may_share_memory(sparse, a)
    with pytest.raises(TypeError, match="ndarray"):
        may_share_memory([1], a)
    assert may_share_memory([1], a, raise_other_type=False) is False
    floatX("float32")
    assert _asarray([1, 2], "floatX").dtype == "float32" and _asarray(1, "int8").dtype == "int8"


def test_compile_ops():
    """theano/compile/ops.py: views and copies, Shape_i, specify_shape."""
    from tfgraph.compile import ops
    x = T.dmatrix("x")
    value = np.arange(6.0).reshape(2, 3)
    f = theano.function([x], [ops.view_op(x), ops.deep_copy_op(x), ops.Shape_i(1)(x),
                              ops.shape(x)])
    copy, deep, cols, shape = f(value)
    np.testing.assert_array_equal(copy, value)
    np.testing.assert_array_equal(deep, value)
    assert cols == 3 and list(shape) == [2, 3] and ops.shape_i_op(1) is ops.shape_i_op(1)
    with pytest.raises(TypeError, match="only 2 dimensions"):
        ops.Shape_i(2)(x)
    checked = theano.function([x], ops.specify_shape(x, (2, 3)) * 2)
    np.testing.assert_array_equal(checked(value), value * 2)
    with pytest.raises(Exception, match="specify_shape"):
        checked(np.ones((3, 3)))
    with pytest.raises(AssertionError, match="the shape .1, 2, 3. has 3"):
        ops.specify_shape(x, (1, 2, 3))
    assert ops.load_back("tfgraph.compile.ops", "specify_shape") is ops.specify_shape


def test_raise_op_raises_when_run():
    """theano/raise_op.py."""
    from tfgraph.raise_op import Raise
    x = T.dvector("x")
    f = theano.function([x], Raise("not here", ValueError)(x))
    with pytest.raises(ValueError, match="not here"):
        f(np.ones(2))
    assert str(Raise("m")) == "Raise{<class 'NotImplementedError'>(m)}"


def test_basic_op_classes():
    """theano/tensor/basic.py: Tile, AllocEmpty, TensorFromScalar,
    ScalarFromTensor, Default, and the helpers the tests import."""
    from tfgraph.tensor import basic
    x, r = T.dmatrix("x"), T.lvector("r")
    s = T.dscalar("s")
    value = np.arange(6.0).reshape(2, 3)
    tiled, empty, scalar = theano.function(
        [x, r, s], [basic.Tile(3)(x, r), basic.AllocEmpty("float32")(2, 1),
                    basic.scalar_from_tensor(basic.tensor_from_scalar(s))])(value, [2, 1, 2], 4.0)
    np.testing.assert_array_equal(tiled, np.tile(value, (2, 1, 2)))
    assert empty.shape == (2, 1) and empty.dtype == "float32" and scalar == 4.0
    assert basic.AllocEmpty("float32")(2, 1).broadcastable == (False, True)
    with pytest.raises(TypeError, match="scalar"):
        basic.tensor_from_scalar(x)
    with pytest.raises(TypeError, match="same type"):
        basic.Default()(x, T.fmatrix())
    assert basic._allclose(np.float16(1), np.float16(1.0005))   # float16's tolerance
    assert not basic._allclose(np.float64(1), np.float64(1.0005))
    assert basic._convert_to_int8(x).dtype == "int8"


def test_config_hash_and_flags():
    """theano/configparser.py: get_config_hash, fetch_val_for_key."""
    from tfgraph import configparser
    before = configparser.get_config_hash()
    with theano.change_flags(floatX="float32"):     # floatX is in_c_key
        assert configparser.get_config_hash() != before
    with theano.change_flags(compute_test_value="warn"):   # not in_c_key
        assert configparser.get_config_hash() == before
    with pytest.raises(KeyError):
        configparser.fetch_val_for_key("no_such_option_given")


def test_printing_min_informative_str():
    """theano/printing.py: min_informative_str stops at named variables."""
    A, B, D, E = T.matrices("ABDE")
    C = A + B
    C.name = "C"
    G = C + (D + E)
    op = str(G.owner.op)
    assert theano.printing.min_informative_str(G) == (
        f"A. {op}\n B. C\n C. {op}\n  D. D\n  E. E")


def test_compat_and_sandbox_compatibility_modules(theano_alias):
    """theano/compat and theano/sandbox's moved modules."""
    import theano.sandbox.neighbours
    from theano.compat import DefaultOrderedDict, exc_message
    assert theano.sandbox.neighbours.images2neibs is theano.tensor.nnet.neighbours.images2neibs
    counts = DefaultOrderedDict(int)
    counts["b"] += 1
    counts["a"] += 2
    assert list(counts.items()) == [("b", 1), ("a", 2)]
    with pytest.raises(TypeError):
        DefaultOrderedDict(3)
    assert exc_message(ValueError(KeyError("inner"))) == "inner"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        importlib.reload(importlib.import_module("tfgraph.sandbox.solve"))
    assert any("tensor.slinalg.solve" in str(w.message) for w in caught)


def test_function_maker_shows_the_compiled_graph():
    """theano/compile/function_module.py: ``f.maker.fgraph`` is the graph the
    function computes, from its inputs and the shared variables it reads."""
    x = T.dmatrix("x")
    w = theano.shared(np.ones(2), "w")
    f = theano.function([x], (x * w).sum(), updates=[(w, w * 2)])
    fgraph = f.maker.fgraph
    assert fgraph.inputs == [x, w] and f.maker.outputs == f.outputs
    assert len(fgraph.outputs) == 2                           # the output, then w's update
    assert [str(n.op) for n in fgraph.toposort()].count(str(T.mul(x, w).owner.op)) == 2
    assert isinstance(f.maker, theano.compile.function_module.FunctionMaker)


def test_as_op_takes_single_types():
    """theano/compile/ops.py: as_op(dmatrix, dvector) as as_op([dmatrix], [dvector])."""
    from tfgraph.compile.ops import as_op

    @as_op(T.dmatrix, T.dvector)
    def cumulative(a):
        return np.cumprod(a)
    x = T.dmatrix()
    np.testing.assert_array_equal(theano.function([x], cumulative(x))([[1.5, 5], [2, 2]]),
                                  [1.5, 7.5, 15.0, 30.0])


def test_pool_out_shape():
    """theano/tensor/signal/pool.py: Pool.out_shape, ints or a symbolic shape."""
    from tfgraph.tensor.signal.pool import Pool
    assert Pool.out_shape((1, 1, 5, 5), (2, 2)) == [1, 1, 3, 3]
    assert Pool.out_shape((1, 1, 5, 5), (2, 2), ignore_border=True) == [1, 1, 2, 2]
    assert Pool.out_shape((5, 5), (3, 3), False, (1, 1)) == [3, 3]
    assert Pool.out_shape((6, 6), (3, 3), True, (3, 3), (1, 1)) == [2, 2]
    assert Pool.out_shape((4, 4, 4), (2, 2, 2), True, ndim=3) == [2, 2, 2]
    with pytest.raises(TypeError, match="at least 2"):
        Pool.out_shape((5,), (2, 2))
    x = T.dtensor4()
    shape = theano.function([x], T.stack(Pool.out_shape(x.shape, (2, 2))))(np.zeros((1, 2, 5, 4)))
    assert list(shape) == [1, 2, 3, 2]


def test_small_names_of_theano():
    """theano._asarray, Generic.make_variable, gpuarray.pygpu (None without it)."""
    assert theano._asarray([1], "float32").dtype == "float32"
    assert theano.Generic().make_variable("g").type == theano.generic
    from tfgraph import gpuarray
    assert gpuarray.pygpu is None and gpuarray.pygpu_activated is False
