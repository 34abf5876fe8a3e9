"""Every op pickles: one instance of each Op subclass found in tfgraph, and
every op instance kept at module level (tables such as the elementwise ops).

Ops are discovered by walking tfgraph's modules and Op's subclasses, so an op
added anywhere in the package is covered. An op class that cannot be made
without arguments and has no module-level instance needs an entry in
EXAMPLES below (a function returning an instance, usually taken from a small
graph), or this test fails naming it.
"""
import copy
import importlib
import inspect
import pickle
import pkgutil

import numpy as np
import pytest

import tfgraph
import tfgraph as theano
import tfgraph.tensor as T
from tfgraph import sparse
from tfgraph.graph import Op


def _import_all():
    for info in pkgutil.walk_packages(tfgraph.__path__, "tfgraph."):
        try:
            importlib.import_module(info.name)
        except ImportError:  # an optional dependency missing: its ops are not in use
            pass


_import_all()


def _subclasses(cls):
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def _is_concrete(cls):
    return cls.lower is not Op.lower and cls.make_node is not Op.make_node


def _module_level_instances():
    """Op instances bound at module level in tfgraph, directly or in a dict,
    list or tuple (op tables)."""
    import sys
    found = {}
    for name, module in list(sys.modules.items()):
        if not (name == "tfgraph" or name.startswith("tfgraph.")) or module is None:
            continue
        for attr, value in vars(module).items():
            values = (value.values() if isinstance(value, dict) else
                      value if isinstance(value, (list, tuple)) else [value])
            for item in values:
                if isinstance(item, Op):
                    found.setdefault(id(item), (f"{name}.{attr}:{item}", item))
    return list(found.values())


def _op_of(var):
    return var.owner.op


def _x():
    return T.dmatrix("x")


def _squares_grad(x):
    return T.grad(T.sum(x ** 2), x)


EXAMPLES = {
    "CAReduce": lambda: _op_of(T.CAReduce(theano.scalar.maximum, axis=1)(_x())),
    "CAReduceDtype": lambda: _op_of(T.elemwise.CAReduceDtype(theano.scalar.add, 0)(_x())),
    "MaxAndArgmax": lambda: _op_of(T.argmax(_x(), axis=0)),
    "Argmax": lambda: T.Argmax([0]),
    "Mean": lambda: T.Mean(0),
    "Moments": lambda: _op_of(T.var(_x(), axis=0)),
    "NullGradient": lambda: _op_of(theano.gradient.grad_undefined(T.add, 0, _x())),
    "Cast": lambda: _op_of(T.cast(_x(), "float32")),
    "TensorDot": lambda: _op_of(T.tensordot(_x(), _x(), axes=[[1], [0]])),
    "Reshape": lambda: _op_of(T.reshape(_x(), (2, -1))),
    "DimShuffle": lambda: _op_of(_x().dimshuffle(1, "x", 0)),
    "Flatten": lambda: _op_of(T.flatten(_x())),
    "Join": lambda: _op_of(T.concatenate([_x(), _x()], axis=1)),
    "Alloc": lambda: _op_of(T.alloc(0.0, 2, 3)),
    "ARange": lambda: _op_of(T.arange(5)),
    "Eye": lambda: _op_of(T.eye(3)),
    "Subtensor": lambda: _op_of(_x()[1:, T.lscalar("i")]),
    "IncSubtensor": lambda: _op_of(T.inc_subtensor(_x()[[0, 1]], 1.0)),
    "Gradient": lambda: _op_of(_squares_grad(_x())),
    "GradClip": lambda: _op_of(theano.gradient.grad_clip(_x(), -1.0, 1.0)),
    "GradScale": lambda: _op_of(theano.gradient.grad_scale(_x(), 2.0)),
    "Elemwise": lambda: _op_of(T.add(_x(), 1)),
    "BatchedTensorDot": lambda: _op_of(T.batched_tensordot(T.dtensor3(), T.dtensor3(),
                                                           axes=[[2], [1]])),
    "Tri": lambda: _op_of(T.tri(3)),
    "Split": lambda: _op_of(T.split(T.dvector(), T.lvector(), 2)[0]),
    "Rebroadcast": lambda: _op_of(T.addbroadcast(T.dmatrix(), 0)),
    "OpFromGraph": lambda: (lambda x: theano.OpFromGraph([x], [x * 2 + theano.shared(1.0)]))(
        _x()),
    "Sort": lambda: _op_of(T.sort(_x())),
    "TopK": lambda: T.topk(_x(), 2).owner.op,
    "UnravelIndex": lambda: _op_of(T.extra_ops.unravel_index(T.lvector(), (3, 4))[0]),
    "Conv": lambda: _conv_op(),
    "ConvGradInputs": lambda: _op_of(T.nnet.abstract_conv.conv2d_grad_wrt_inputs(
        T.dtensor4(), T.dtensor4(), (2, 1, 6, 6), (3, 1, 3, 3))),
    "ConvGradWeights": lambda: _op_of(T.nnet.abstract_conv.conv2d_grad_wrt_weights(
        T.dtensor4(), T.dtensor4(), (3, 1, 3, 3), (2, 1, 6, 6))),
    "Pool": lambda: _op_of(_pool().pool_2d(T.dtensor4(), (2, 2), ignore_border=True)),
    # ops the compile-time rewrites make
    "ChannelsLastConv": lambda: _rewritten_op([T.nnet.conv2d(T.dtensor4(), T.dtensor4())],
                                              "ChannelsLastConv"),
    "ChannelsLastPool": lambda: _rewritten_op(
        [_pool().pool_2d(T.dtensor4(), (2, 2), ignore_border=True)], "ChannelsLastPool"),
    "SplitSlices": lambda: (lambda x: _rewritten_op([x[:, :2], x[:, 2:]], "SplitSlices"))(
        _x()),
    "MaxPoolSameSize": lambda: _op_of(_pool().max_pool_2d_same_size(T.dtensor4(), (2, 2))),
    "Images2Neibs": lambda: _op_of(T.nnet.neighbours.images2neibs(T.dtensor4(), (2, 2))),
    "Neibs2Images": lambda: _op_of(T.nnet.neighbours.neibs2images(T.dmatrix(), (2, 2),
                                                                  (1, 1, 4, 4))),
    "RandomDraw": lambda: _random_op(),
    "Scan": lambda: _op_named(theano.scan(lambda v: v * 2, sequences=[T.dvector()])[0], "Scan"),
    "IfElse": lambda: _op_named(theano.ifelse.ifelse(T.iscalar(), T.dvector(), T.dvector()),
                                "IfElse"),
    # Op classes of Theano's modules, built with their parameters.
    "Shape_i": lambda: tfgraph.compile.ops.Shape_i(1),
    "_PoolGradient": lambda: _pool().MaxPoolGrad(True),
    "MaxPoolGrad": lambda: _pool().MaxPoolGrad(True),
    "AveragePoolGrad": lambda: _pool().AveragePoolGrad(True, "average_exc_pad"),
    "DownsampleFactorMaxGradGrad": lambda: _pool().DownsampleFactorMaxGradGrad(False),
    "Tile": lambda: T.basic.Tile(3),
    "AllocEmpty": lambda: T.basic.AllocEmpty("float32"),
    "MultinomialFromUniform": lambda: _multinomial().MultinomialFromUniform("auto"),
    "ChoiceFromUniform": lambda: _multinomial().ChoiceFromUniform("auto", replace=True),
    "MultinomialWOReplacementFromUniform":
        lambda: _multinomial().MultinomialWOReplacementFromUniform("auto"),
    "mrg_uniform_base": lambda: _rng_mrg().mrg_uniform_base(T.TensorType("float32", (False,))),
    "mrg_uniform": lambda: _op_of(_rng_mrg().mrg_uniform.new(
        theano.shared(np.ones((2, 6), "int32")), None, "float64", (3,))[1]),
    "BoxMuller": lambda: _op_named(_rng_mrg().MRG_RandomStreams(1).normal((3,)), "BoxMuller"),
    "CheckedParams": lambda: _op_named(_rng_mrg().MRG_RandomStreams(1).normal(
        (3,), std=T.dscalar()), "CheckedParams"),
    # theano.sparse's ops with parameters.
    "HStack": lambda: _op_of(sparse.hstack([sparse.csr_dmatrix(), sparse.csc_dmatrix()])),
    "VStack": lambda: _op_of(sparse.vstack([sparse.csr_dmatrix()], format="csr")),
    "AddSD_ccode": lambda: sparse.opt.AddSD_ccode("csc"),
}


def _rng_mrg():
    from tfgraph.sandbox import rng_mrg
    return rng_mrg


def _multinomial():
    from tfgraph.sandbox import multinomial
    return multinomial


def _op_named(var, cls_name):
    """The op of the node of class ``cls_name`` (or a subclass) computing ``var``."""
    from tfgraph.graph import toposort
    return next(n.op for n in toposort([var])
                if any(c.__name__ == cls_name for c in type(n.op).__mro__))


def _rewritten_op(outputs, cls_name):
    """The op of class ``cls_name`` in ``outputs`` once rewritten as when compiled."""
    from tfgraph.compile.rewrite import rewrite
    from tfgraph.graph import toposort
    return next(n.op for n in toposort(rewrite(outputs)) if type(n.op).__name__ == cls_name)


def _conv_op():
    return _op_named(T.nnet.conv2d(T.dtensor4(), T.dtensor4()), "Conv")


def _pool():
    from tfgraph.tensor.signal import pool
    return pool


def _random_op():
    from tfgraph.tensor.shared_randomstreams import RandomStreams
    return _op_named(RandomStreams(seed=1).uniform((2,)), "RandomDraw")


def _instances():
    instances = [(label, op) for label, op in _module_level_instances()]
    have = {type(op) for _, op in instances}
    missing = []
    for cls in _subclasses(Op):
        if not _is_concrete(cls) or cls.__module__.startswith("tests"):
            continue
        if cls.__name__ in EXAMPLES:
            instances.append((f"{cls.__module__}.{cls.__name__} example",
                              EXAMPLES[cls.__name__]()))
        elif cls not in have:
            try:
                instances.append((f"{cls.__module__}.{cls.__name__}()", cls()))
            except TypeError:
                missing.append(f"{cls.__module__}.{cls.__name__}")
    return instances, missing


INSTANCES, MISSING = _instances()


def test_every_op_class_has_an_instance_to_pickle():
    assert not MISSING, (f"op classes with no module-level instance and no example in "
                         f"EXAMPLES of {__file__}: {MISSING}")
    assert len(INSTANCES) > 60  # the elementwise table alone has 50 ops


def _same_state(a, b):
    """The loaded op has the original's attributes (compared by type and text,
    which covers tables, functions and nested specs)."""
    assert type(a) is type(b)
    assert sorted(vars(a)) == sorted(vars(b))
    for key in vars(a):
        assert type(vars(a)[key]) is type(vars(b)[key]), key
        if not callable(vars(a)[key]):
            assert repr(vars(a)[key]) == repr(vars(b)[key]), key


@pytest.mark.parametrize("label,op", INSTANCES, ids=[label for label, _ in INSTANCES])
def test_op_pickles_and_deep_copies(label, op):
    loaded = pickle.loads(pickle.dumps(op, protocol=pickle.HIGHEST_PROTOCOL))
    _same_state(op, loaded)
    assert str(loaded) == str(op)
    copied = copy.deepcopy(op)
    _same_state(op, copied)


class MyAdd(theano.scalar.Add):
    """A scalar op of the user's: the table's addition under another class."""


def test_an_elementwise_op_outside_the_table_pickles_by_value():
    custom = T.Elemwise(MyAdd(name="my_add"))
    loaded = pickle.loads(pickle.dumps(custom))
    assert loaded is not custom and loaded.name == "my_add" and loaded == custom
    assert str(loaded) == "Elemwise{my_add}"
    x = T.bvector("x")
    np.testing.assert_array_equal(theano.function([x], loaded(x, x))(np.int8([1, 2])), [2, 4])
    b = T.vector("b", dtype="bool")
    assert list(theano.function([b], loaded(b, b))([True, False])) == [True, False]


def test_a_graph_of_every_elementwise_op_computes_the_same_after_loading():
    from tfgraph.ops.elemwise import OPS
    x = T.dvector("x")
    y = T.dvector("y")
    outputs = []
    for name, op in OPS.items():
        # nin -1: any number of inputs (add, mul), here three.
        args = {1: (x,), 2: (x, y), 3: (x > 0, x, y) if name == "switch" else (x, y, x + 1),
                -1: (x, y, x + 1)}
        args = args[op.nin] if name not in ("and_", "or_", "xor", "invert") else \
            tuple(a > 0 for a in args[op.nin])
        outputs.append(op(*args).astype("float64"))
    loaded_inputs, loaded_outputs = pickle.loads(pickle.dumps(([x, y], outputs)))
    data = (np.array([0.25, -1.5, 3.0]), np.array([2.0, 0.5, -0.75]))
    with np.errstate(all="ignore"):
        expected = theano.function([x, y], outputs)(*data)
        got = theano.function(loaded_inputs, loaded_outputs)(*data)
    for name, e, g in zip(OPS, expected, got):
        np.testing.assert_array_equal(g, e, err_msg=name)


def test_discovery_finds_ops_of_every_op_module():
    modules = {type(op).__module__ for _, op in INSTANCES}
    for name in ("tfgraph.ops.elemwise", "tfgraph.ops.reduce", "tfgraph.ops.shape",
                 "tfgraph.ops.subtensor", "tfgraph.ops.linalg", "tfgraph.ops.nnet",
                 "tfgraph.ops.grad"):
        assert name in modules
    assert inspect.ismodule(tfgraph.ops)


def test_every_public_function_of_the_tensor_namespaces_pickles_by_reference():
    import types
    import tfgraph.gradient
    import tfgraph.tensor.nnet
    for namespace in (T, tfgraph.tensor.nnet, tfgraph, tfgraph.gradient):
        for name, value in vars(namespace).items():
            if name.startswith("_") or isinstance(value, types.ModuleType) or \
                    not callable(value):
                continue
            assert pickle.loads(pickle.dumps(value)) is value, f"{namespace.__name__}.{name}"
    # A prefixed constructor is a type (Theano's tensor/basic.py: ``dmatrix =
    # TensorType('float64', (False, False))``), pickled by reference as well.
    assert T.dmatrix == T.TensorType("float64", (False, False))
    assert T.dmatrices.__name__ == "dmatrices" and T.matrix.__name__ == "matrix"
