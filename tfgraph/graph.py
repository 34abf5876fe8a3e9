"""The symbolic graph: types, variables, constants, and the nodes joining them.

A ``Variable`` is either a root (an input, a shared variable or a constant,
``owner is None``) or output ``index`` of an ``Apply`` node, which records an
``Op`` applied to input variables. Nothing here runs TensorFlow: a type only
says how its values cross a compiled function's boundary (``tf.TensorSpec``).
"""
import contextlib
import functools
import itertools

import numpy as np

from tfgraph import dtypes, persist, values
from tfgraph.config import config
from tfgraph._tf import tf

_PATTERN_NAMES = {(): "scalar", (False,): "vector", (False, True): "col",
                  (True, False): "row", (False, False): "matrix"}


class TensorType:
    """The static type of a tensor: its dtype and which dimensions broadcast.

    A broadcastable dimension always has length 1; the others have any length.
    """

    def __init__(self, dtype, broadcastable, name=None, sparse_grad=False):
        self.name = name  # Theano's optional label of a type; not part of its identity
        self.dtype = dtypes.check_dtype(dtype)
        self.broadcastable = tuple(bool(b) for b in broadcastable)

    @property
    def ndim(self):
        return len(self.broadcastable)

    def __call__(self, name=None):
        """A new symbolic variable of this type (``T.dmatrix`` is such a call)."""
        return TensorVariable(self, name=name)

    def __eq__(self, other):
        return (isinstance(other, TensorType) and self.dtype == other.dtype
                and self.broadcastable == other.broadcastable)

    def __hash__(self):
        return hash((self.dtype, self.broadcastable))

    def __str__(self):
        b = self.broadcastable
        pattern = _PATTERN_NAMES.get(b) or (f"{len(b)}D" if not any(b) else str(b))
        return f"TensorType({self.dtype}, {pattern})"

    __repr__ = __str__

    # Whether ``filter`` refuses NaN and infinities (Theano's flag, which its
    # DebugMode sets on a type).
    filter_checks_isfinite = False

    def filter(self, value, strict=False, allow_downcast=None):
        """Convert ``value`` to an ndarray of this type by Theano's rules.

        Raises TypeError (or ValueError for shapes) saying what is wrong, in
        words that the caller prefixes with the input's name.
        """
        if isinstance(value, Variable):
            raise TypeError(f"Expected an array-like object, but found a Variable ({value}): "
                            f"maybe you are trying to call a function on a (possibly shared) "
                            f"variable instead of a numeric array?")
        data = dtypes.to_array(value, self.dtype, strict, allow_downcast)
        self.check_shape(data.shape)
        if self.filter_checks_isfinite and data.dtype.kind in "fc" \
                and not np.all(np.isfinite(data)):
            raise ValueError("non-finite elements not allowed")
        return data

    # Theano's comparisons of two values of a type (tfgraph.values).
    values_eq = staticmethod(values.values_eq)
    values_eq_approx = staticmethod(values.values_eq_approx)

    # --- how a value crosses a compiled function's boundary (tfgraph.compile) and
    # where a shared variable keeps it. A tensor is one array; a type whose values
    # are several arrays (a sparse matrix: tfgraph.sparse) overrides these.

    def tensor_spec(self, name=None):
        """The ``tf.TensorSpec`` (or a nest of them) of an argument: length 1 in
        a broadcastable dimension, any length in the others."""
        return tf.TensorSpec([1 if b else None for b in self.broadcastable], self.dtype,
                             name=name)

    def to_graph(self, value):
        """What a graph takes (arrays, or a nest of them) for ``value``, as
        ``filter`` returned it."""
        return value

    def from_graph(self, result):
        """The caller's value of what a graph returned (a tensor, or a nest of
        them): a writable array of its own."""
        try:
            return np.array(result)
        except tf.errors.InvalidArgumentError as error:  # more dimensions than NumPy's 64
            raise ValueError(f"a value of {self} cannot be a NumPy array: "
                             f"{error.message}") from None

    # ``shared_storage(value)``: the storage of a shared variable of this type (an
    # object with ``assign``, ``read_value`` and ``numpy``); None: one tf.Variable,
    # on the active mesh if there is one (tfgraph.shared).
    shared_storage = None

    def check_shape(self, shape):
        if len(shape) != self.ndim:
            raise TypeError(f"Wrong number of dimensions: expected {self.ndim}, "
                            f"got {len(shape)} with shape {tuple(shape)}.")
        for axis, (size, broadcastable) in enumerate(zip(shape, self.broadcastable)):
            if broadcastable and size != 1:
                raise TypeError(
                    f"Non-unit value on shape on a broadcastable dimension: "
                    f"dimension {axis} must have length 1 ({self}), got shape {tuple(shape)}.")


class MissingInputError(ValueError):
    """The graph needs a variable that is neither an input nor given
    (``function``; ``scan(strict=True)`` for a shared variable)."""


class UnusedInputError(ValueError):
    """An input is not needed to compute the outputs or updates."""


class Variable:
    """A symbolic value of a ``TensorType``."""

    _ids = itertools.count()

    def __init__(self, type, owner=None, index=None, name=None):
        self.type = type
        self.owner = owner
        self.index = index
        self.name = name
        self.auto_name = f"auto_{next(Variable._ids)}"
        self.tag = _Tag(type)

    dtype = property(lambda self: self.type.dtype)
    broadcastable = property(lambda self: self.type.broadcastable)
    ndim = property(lambda self: self.type.ndim)

    def clone(self):
        copy = type(self)(self.type, name=self.name)
        return copy

    def __str__(self):
        if self.name is not None:
            return self.name
        if self.owner is not None:
            suffix = f".{self.index}" if len(self.owner.outputs) > 1 else ""
            return f"{self.owner.op}{suffix}"
        return f"<{self.type}>"

    def __repr__(self):
        return str(self)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_eval_cache", None)  # compiled functions, made again on demand
        persist.ensure_recursion_limit()
        return persist.stamp(state)

    def __setstate__(self, state):
        self.__dict__.update(persist.checked(state, f"variable {state.get('name')!r}"))

    def eval(self, inputs_to_values=None):
        """Compute this variable's value, given values for the inputs it needs.

        The compiled function is cached per set of inputs, so repeated calls
        are cheap.
        """
        inputs_to_values = inputs_to_values or {}
        inputs = tuple(inputs_to_values)
        cache = self.__dict__.setdefault("_eval_cache", {})
        if inputs not in cache:
            cache[inputs] = _services["compile"](list(inputs), self)
        return cache[inputs](*[inputs_to_values[v] for v in inputs])


class _Tag:
    """Free-form annotations, as Theano's ``var.tag``. A ``test_value`` is
    converted to the variable's type when set (see tfgraph.test_values)."""

    def __init__(self, type=None):
        object.__setattr__(self, "_type", type)

    def __setattr__(self, name, value):
        if name == "test_value" and hasattr(self._type, "filter"):
            try:
                value = self._type.filter(value)
            except (TypeError, ValueError) as error:
                raise type(error)(f"test value for a {self._type}: {error}") from None
        object.__setattr__(self, name, value)


_SCOPES = []


@contextlib.contextmanager
def name_scope(name):
    """Group the nodes built inside under ``name`` (nested scopes join with '/').

    The compiled TensorFlow graph uses the same scopes, so TensorBoard's graph
    view shows, say, one box per layer::

        with tfgraph.name_scope("layer0"):
            h = T.nnet.sigmoid(T.dot(W0, x) + b0)
    """
    _SCOPES.append(str(name))
    try:
        yield
    finally:
        _SCOPES.pop()


class Apply:
    """One application of an ``op`` to ``inputs``, producing ``outputs``."""

    def __init__(self, op, inputs, outputs):
        """``outputs`` are types, or (Theano's form, and its keyword) new
        variables without an owner, such as ``x.type()``, which become this
        node's outputs."""
        self.op = op
        self.scope = tuple(_SCOPES)
        self.inputs = list(inputs)
        for i, var in enumerate(self.inputs):
            if not isinstance(var, Variable):
                raise TypeError(f"input {i} of {op} is not a symbolic variable: {var!r}")
        self.outputs = [self._adopt(t, i) if isinstance(t, Variable)
                        else t.make_variable(owner=self, index=i)
                        for i, t in enumerate(outputs)]

    def _adopt(self, var, index):
        if var.owner is not None:
            raise ValueError(f"output {index} of {self.op}: {var} is already the output of "
                             f"{var.owner.op}; give a new variable, such as x.type()")
        var.owner, var.index = self, index
        return var

    @property
    def out(self):
        return self.outputs[0]

    def __repr__(self):
        return f"Apply({self.op}, {self.inputs})"


def _make_variable(self, owner=None, index=None, name=None):
    return TensorVariable(self, owner=owner, index=index, name=name)


TensorType.make_variable = _make_variable


class Op:
    """An operation: its type rule (``make_node``) beside its TF lowering.

    Subclasses implement ``make_node(*inputs) -> Apply``, with all parameters
    stored on the op, and ``lower(node, inputs, ctx) -> [tf.Tensor]``.
    """

    name = None
    default_output = 0
    inner_outputs = ()   # the outputs of an inner graph it runs (a scan's step), if any

    # --- hooks: what an op may say about itself; each default says "nothing special"

    # Theano's __props__: the names of the attributes that make two ops of one
    # class equal (None: an op equals only itself).
    __props__ = None

    # The outputs of the inner graph that the op applies (a loop's body),
    # which ``debugprint`` shows below the outer graph.
    inner_outputs = ()

    def grad(self, inputs, output_grads):
        """Theano's ``Op.grad``: the gradient of some cost with respect to
        each of ``inputs``, given its gradients ``output_grads`` with respect
        to the outputs of this op applied to ``inputs``. One variable per
        input: a ``DisconnectedType`` one where no output with a gradient
        depends on it, a ``NullType`` one where it is undefined.

        An op may give its own rule (``defines_grad``): a Theano-style op that
        runs ``perform``, a sparse op. The default derives the rule from the
        op's lowering, as ``grad`` does (tfgraph.symbolic_grad.derived_grad):
        a ``Gradient`` node, which TensorFlow's tape lowers."""
        return _services["derive_grad"](self, inputs, output_grads)

    def L_op(self, inputs, outputs, output_grads):
        """Theano's ``L_op``: ``grad``, for a rule that also reads the node's
        ``outputs``."""
        return self.grad(inputs, output_grads)

    def defines_grad(self):
        """Whether the op gives its own symbolic gradient (it overrides
        ``grad`` or ``L_op``), which differentiation then applies: the
        gradient of an op lowered by ``perform``, or of a sparse matrix.
        Otherwise TensorFlow's tape differentiates the op's lowering."""
        return type(self).grad is not Op.grad or type(self).L_op is not Op.L_op

    def connection_pattern(self, node):
        """``pattern[i][j]``: whether output j is differentiable with respect
        to input i (Theano's ``Op.connection_pattern``). ``grad`` calls an
        input that reaches the cost only through unconnected edges
        *disconnected*, as Theano does for shapes and indices."""
        return [[True] * len(node.outputs) for _ in node.inputs]

    def lazy_inputs(self, node):
        """Positions of the inputs this op computes itself, only when needed
        (the branches of ``ifelse``): the lowering walk leaves what only they
        need to the op."""
        return ()

    def undefined_grads(self, node):
        """``{input index: comment}`` for the inputs whose gradient is
        mathematically undefined: ``grad`` through them raises."""
        return {}

    def lowered_by_perform(self, node):
        """Whether the node runs the op's Python ``perform`` (a Theano-style
        op that gives no TensorFlow lowering: tfgraph.python_op), its
        gradient coming from the op's symbolic ``grad``."""
        return type(self).lower is Op.lower and type(self).perform is not Op.perform

    def xla_compilable(self, node):
        """Whether XLA can compile the node: not when it calls back into
        Python (``perform``, ``Print``)."""
        return not self.lowered_by_perform(node)

    def vector_length(self, node, length_of):
        """The length of the node's output, a vector, when its inputs fix it
        (``length_of(variable)`` tells an input's), or None."""
        return None

    def can_fail(self, node):
        """Whether ``node`` can fail at run time on some values of its inputs
        (an index out of range, an integer division by zero)."""
        return False

    def valid(self, node, inputs):
        """For a node that ``can_fail`` where TensorFlow's kernels fail but
        XLA's do not (an index out of range, which XLA clamps; an integer
        division by zero): a boolean scalar tensor, false when these input
        tensors make it fail, which XLA calls check instead. None when the
        op's own rules say it (``ctx.require`` in its lowering)."""
        return None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "make_node" in cls.__dict__:
            cls.make_node = _computing_test_values(cls.__dict__["make_node"])

    def __call__(self, *inputs, return_list=False, **kwargs):
        """The outputs of a new node: the one output, or the list of them
        (always a list with ``return_list``, as Theano's ``Op.__call__``)."""
        node = self.make_node(*inputs, **kwargs)
        if return_list:
            return list(node.outputs)
        return node.outputs[0] if len(node.outputs) == 1 else node.outputs

    def make_node(self, *inputs):
        raise NotImplementedError

    def lower(self, node, inputs, ctx):
        """The TensorFlow tensors of ``node``'s outputs, from its inputs'
        (``ctx``: the walk, tfgraph.compile.lower.Lowering)."""
        raise NotImplementedError(f"{self} has neither a lower() nor a perform() method")

    def perform(self, node, inputs, output_storage):
        """Theano's Python implementation: a user-defined op may give this
        instead of ``lower``; the lowering walk then runs it through
        ``tf.numpy_function`` (see tfgraph.python_op)."""
        raise NotImplementedError

    def __eq__(self, other):
        props = type(self).__props__
        if props is None:
            return self is other
        return type(self) is type(other) and all(
            getattr(self, p) == getattr(other, p) for p in props)

    def __hash__(self):
        props = type(self).__props__
        if props is None:
            return id(self)
        return hash((type(self), tuple(getattr(self, p) for p in props)))

    def pp(self, node, args):
        """How ``pp`` prints this op applied to the printed ``args``."""
        return f"{self}({', '.join(args)})"

    def pp_output(self, node, args, index):
        """How ``pp`` prints output ``index`` of the node (its op applied to
        the printed ``args``, indexed when it has several)."""
        text = self.pp(node, args)
        return f"{text}[{index}]" if len(node.outputs) > 1 else text

    def __str__(self):
        return self.name or type(self).__name__


# --- what the execution side lends the graph -------------------------------------
#
# Building a graph needs no compiler, but two conveniences run what is built:
# ``Variable.eval`` compiles a function, and test values run each new node.
# The modules that can (tfgraph.compile.function, tfgraph.test_values)
# register them here, so that the graph imports neither. So does
# tfgraph.symbolic_grad, for the default of ``Op.grad``.

_services = {}


def register_evaluator(compile):
    """``Variable.eval`` compiles with ``compile(inputs, output) -> callable``."""
    _services["compile"] = compile


def register_test_value_computer(compute):
    """``compute(node)`` gives a new node's outputs their test values when
    ``config.compute_test_value`` asks."""
    _services["compute_test_values"] = compute


def register_grad_deriver(derive):
    """``Op.grad``'s default is ``derive(op, inputs, output_grads)``."""
    _services["derive_grad"] = derive


def _computing_test_values(make_node):
    """``make_node`` that also gives the new node's outputs their test values
    when ``config.compute_test_value`` asks (see tfgraph.test_values)."""
    @functools.wraps(make_node)
    def wrapper(self, *args, **kwargs):
        node = make_node(self, *args, **kwargs)
        if config.compute_test_value != "off" and isinstance(node, Apply) and not all(
                hasattr(v.tag, "test_value") for v in node.outputs):
            _services["compute_test_values"](node)
        return node
    return wrapper


class TensorVariable(Variable):
    """A symbolic tensor, with NumPy-like operators and methods (Theano's)."""

    # NumPy's ufuncs on a variable (numpy.exp(x), ndarray * x) give the
    # symbolic op: __array_ufunc__ is defined with the operators (tfgraph.tensor.var).
    __array_priority__ = 1000

    # Theano 1.0's rule: every variable is true (``if not W:`` tests that W
    # exists) except the result of a comparison operator, so that ``a < b < c``
    # (Python's ``(a < b) and (b < c)``) raises instead of silently dropping a test.
    _is_nonzero = True

    def __bool__(self):
        if self._is_nonzero:
            return True
        raise TypeError(
            f"Variables do not support boolean operations: the truth value of comparison "
            f"{self} is unknown until the graph runs; use T.switch, T.and_ / T.or_, or "
            f"compare values after calling a function.")

    def __len__(self):
        raise TypeError(f"{self} is symbolic and has no len(); use {self}.shape[0].")

    def __index__(self):
        raise TypeError(f"{self} is symbolic and cannot be used as a Python integer.")

    # Operators and methods are defined in tfgraph.tensor.var, next to the ops.


class Constant(TensorVariable):
    """A root variable with a fixed value (Theano's TensorConstant), with the
    operators of any tensor. ``weak`` marks a Python literal, whose dtype
    adapts to the tensors it meets."""

    def __init__(self, type, data, name=None, weak=False):
        super().__init__(type, name=name)
        self.data = data
        self.weak = weak

    value = property(lambda self: self.data, doc="Theano's other name for ``data``.")

    def clone(self):
        return self

    def __str__(self):
        """As Theano 1.0's TensorConstant: its name, or ``TensorConstant{1.0}``,
        ``TensorConstant{(3,) of 0.0}`` for equal elements, long ones cut to
        their first and last ten characters."""
        if self.name is not None:
            return self.name
        data = np.asarray(self.data)
        flat = data.ravel()
        if data.ndim and flat.size and bool((flat == flat[0]).all()):
            text = f"{data.shape} of {flat[0]}"
        else:
            text = str(data)
        if len(text) > 20:
            text = text[:10] + ".." + text[-10:]
        return f"TensorConstant{{{text}}}"


# --- traversal ---------------------------------------------------------------

def toposort(outputs):
    """The Apply nodes computing ``outputs``, each after the nodes it needs."""
    order, done = [], set()
    stack = [(v, False) for v in reversed(list(outputs))]
    while stack:
        var, expanded = stack.pop()
        node = var.owner
        if node is None or id(node) in done:
            continue
        if expanded:
            done.add(id(node))
            order.append(node)
            continue
        stack.append((var, True))
        stack.extend((i, False) for i in reversed(node.inputs)
                     if i.owner is not None and id(i.owner) not in done)
    return order


def ancestors(outputs, blockers=()):
    """Every variable that ``outputs`` depend on, themselves included.

    The search does not go past a variable in ``blockers``."""
    blocked = {id(b) for b in blockers}
    seen, result, stack = set(), [], list(outputs)
    while stack:
        var = stack.pop()
        if id(var) in seen:
            continue
        seen.add(id(var))
        result.append(var)
        if var.owner is not None and id(var) not in blocked:
            stack.extend(var.owner.inputs)
    return result


def graph_inputs(outputs):
    """The root variables (no owner) that ``outputs`` depend on, in order found."""
    return [v for v in ancestors(outputs) if v.owner is None]


def depends_on(var, target):
    return any(v is target for v in ancestors([var]))


def clone_replace(outputs, replace):
    """Copies of ``outputs`` with each key of ``replace`` swapped for its value.

    Only nodes downstream of a replacement are rebuilt; the rest of the graph is
    shared with the original.
    """
    memo = {id(k): v for k, v in replace.items()}
    replace_ids = set(memo)
    for node in toposort(outputs):
        new_inputs = [memo.get(id(i), i) for i in node.inputs]
        if all(a is b for a, b in zip(new_inputs, node.inputs)) or all(
                id(o) in replace_ids for o in node.outputs):
            continue   # nothing replaced above it, or all it computes is replaced
        new_node = node.op.make_node(*new_inputs)
        for old, new in zip(node.outputs, new_node.outputs):
            new.name = old.name
            if id(old) not in replace_ids:   # a replacement wins over a rebuilt copy
                memo[id(old)] = new
    return [memo.get(id(v), v) for v in outputs]
