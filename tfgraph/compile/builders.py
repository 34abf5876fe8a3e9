"""``OpFromGraph``: a graph packaged as an op (``theano.compile.builders``).

``OpFromGraph(inputs, outputs)`` is an op whose node computes ``outputs``
from new values of ``inputs``. The shared variables the graph reads become
extra inputs of every node (``shared_inputs``), so a function using the op
reads them, and applies their default updates, as it would the graph's own.
The node lowers to the inner graph inside the function's one TensorFlow
graph (``inline`` changes nothing there: it is kept as Theano's flag).

Its gradient is TensorFlow's, through that lowering, unless overridden
(``grad_overrides`` or ``lop_overrides``, as Theano 1.0.5 defines them): the
override's symbolic graph is then lowered as the node's backward pass
(``tf.custom_gradient``). An override of ``NullType()()`` makes the gradient
of that input undefined (``grad`` raises, or returns it with
``null_gradients='return'``); ``DisconnectedType()()`` disconnects it.
``connection_pattern`` is the inner graph's, with the override's, or the one
given. ``rop_overrides`` are not supported (``Rop`` here is computed from
the gradient, not node by node).
"""
from tfgraph.graph import (Apply, Constant, MissingInputError, Op, Variable, ancestors,
                           clone_replace)
from tfgraph.ops.base import as_tensor_variable, cast_tensor
from tfgraph.shared import SharedVariable
from tfgraph.symbolic_grad import DisconnectedType, NullType, grad, true_ancestors
from tfgraph._tf import tf

_DEFAULT = "default"


class OpFromGraph(Op):
    """``OpFromGraph(inputs, outputs, inline=False, lop_overrides='default',
    grad_overrides='default', rop_overrides='default', connection_pattern=None,
    name=None)``: see the module docstring. ``outputs`` is a list; calling the
    op returns one variable for one output, else a list (``return_list=True``:
    always a list)."""

    def __init__(self, inputs, outputs, inline=False, lop_overrides=_DEFAULT,
                 grad_overrides=_DEFAULT, rop_overrides=_DEFAULT, connection_pattern=None,
                 name=None, **kwargs):
        if not isinstance(outputs, list):
            raise TypeError(f"OpFromGraph: outputs must be a list, got {type(outputs).__name__}")
        for var in [*inputs, *outputs]:
            if not isinstance(var, Variable):
                raise TypeError(f"OpFromGraph: inputs and outputs must be variables, got {var!r}")
        if "updates" in kwargs or "givens" in kwargs:
            raise TypeError("OpFromGraph: updates and givens are not allowed here")
        if rop_overrides is not _DEFAULT:
            raise NotImplementedError(
                "OpFromGraph: rop_overrides are not supported; Rop through the op is "
                "computed from its gradient (its lop/grad override, if given)")
        if lop_overrides is not _DEFAULT and grad_overrides is not _DEFAULT:
            raise ValueError("OpFromGraph: lop_overrides and grad_overrides are mutually "
                             "exclusive")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"OpFromGraph: name must be None or a string, got {name!r}")
        self.inputs, self.outputs = list(inputs), list(outputs)
        self.is_inline, self.name, self.kwargs = inline, name, kwargs
        declared = {id(v) for v in self.inputs}
        self.shared_inputs = [v for v in ancestors(self.outputs, blockers=self.inputs)
                              if isinstance(v, SharedVariable) and id(v) not in declared]
        # The inner graph on fresh roots: what the node's lowering computes.
        self.local_inputs = [v.type() for v in self.inputs + self.shared_inputs]
        for local, var in zip(self.local_inputs, self.inputs + self.shared_inputs):
            local.name = var.name
        self.local_outputs = clone_replace(
            self.outputs, dict(zip(self.inputs + self.shared_inputs, self.local_inputs)))
        local_ids = {id(v) for v in self.local_inputs}
        for var in ancestors(self.local_outputs, blockers=self.local_inputs):
            if var.owner is None and id(var) not in local_ids and not isinstance(var, Constant):
                raise MissingInputError(f"OpFromGraph: the outputs need {var} ({var.type}), "
                                        f"which is not among the inputs {self.inputs}")
        self.input_types = [v.type for v in self.inputs]
        self.output_types = [v.type for v in self.outputs]
        if lop_overrides is not _DEFAULT:
            self._override, self._override_kind = lop_overrides, "lop"
        else:
            self._override, self._override_kind = grad_overrides, "grad"
        self._connection_pattern = connection_pattern
        self._backward = None   # built when first needed: _Backward

    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)

    def __str__(self):
        return f"{self.name or type(self).__name__}{{inline={self.is_inline}}}"

    # --- the node -----------------------------------------------------------------

    def __call__(self, *inputs, return_list=False):
        node = self.make_node(*inputs)
        return list(node.outputs) if return_list or len(node.outputs) != 1 else node.outputs[0]

    def make_node(self, *inputs):
        if len(inputs) != len(self.inputs):
            raise ValueError(f"{self}: expected {len(self.inputs)} inputs, got {len(inputs)}")
        converted = []
        for position, (value, expected) in enumerate(zip(inputs, self.input_types)):
            value = as_tensor_variable(value) if not isinstance(value, Variable) else value
            if not _fits(value, expected):
                raise TypeError(f"{self}: input {position} is {value} ({value.type}), which "
                                f"cannot stand for {expected}")
            converted.append(value)
        return Apply(self, converted + self.shared_inputs, [t() for t in self.output_types])

    def lower(self, node, inputs, ctx):
        backward = self._backward_graph()
        if backward.default:
            return self._lower_inner(inputs, ctx)

        @tf.custom_gradient
        def with_gradient(*tensors):
            outputs = self._lower_inner(tensors, ctx)

            def gradient(*output_grads):
                return backward.lower(tensors, output_grads, ctx)
            return outputs, gradient

        outputs = with_gradient(*inputs)
        return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]

    def _lower_inner(self, tensors, ctx):
        values = dict(zip(map(id, self.local_inputs), tensors))
        return run_graph(self.local_outputs, values, ctx)

    # --- what gradients ask -------------------------------------------------------

    def connection_pattern(self, node):
        """``pattern[i][j]``: whether output j depends differentiably on input i
        (the shared inputs last): the given pattern, else the inner graph's,
        where an override disconnects an input or connects it anew."""
        if self._connection_pattern is not None:
            return [list(row) for row in self._connection_pattern]
        pattern = io_connection_pattern(self.local_inputs, self.local_outputs)
        backward = self._backward_graph()
        if not backward.default:
            for i, g in enumerate(backward.grads):
                if isinstance(g.type, DisconnectedType):
                    pattern[i] = [False] * len(self.local_outputs)
                elif not isinstance(g.type, NullType):
                    reached = true_ancestors([g], [])
                    pattern[i] = [p or id(og) in reached
                                  for p, og in zip(pattern[i], backward.output_grads)]
        return pattern

    def undefined_grads(self, node):
        backward = self._backward_graph()
        return {i: f"{self}'s gradient override for it is NullType."
                for i, g in enumerate(backward.grads)
                if not backward.default and isinstance(g.type, NullType)}

    def _backward_graph(self):
        if self._backward is None:
            self._backward = _Backward(self)
        return self._backward


class _Backward:
    """The gradient of an ``OpFromGraph`` as its override gives it: ``grads``,
    one symbolic gradient per local input (``NullType``/``DisconnectedType``
    placeholders included), of the local inputs and outputs and of
    ``output_grads``, stand-ins for the gradients arriving at the outputs.
    ``default``: no override (TensorFlow differentiates the lowering)."""

    def __init__(self, op):
        self.op = op
        self.default = op._override is _DEFAULT or (
            isinstance(op._override, str) and op._override == _DEFAULT)
        self.output_grads = [t() for t in op.output_types]
        self.grads = [] if self.default else self._grads(op._override)

    def _grads(self, override):
        op, n = self.op, len(self.op.local_inputs)
        args = ((op.local_inputs, op.local_outputs, self.output_grads)
                if op._override_kind == "lop" else (op.local_inputs, self.output_grads))
        if isinstance(override, OpFromGraph):
            grads = override(*[v for group in args for v in group], return_list=True)
        elif isinstance(override, Variable):
            _check_placeholder(override)
            grads = [type(override.type)() if isinstance(override.type, DisconnectedType)
                     else override for _ in range(n)]
        elif isinstance(override, list):
            if len(override) != n:
                raise ValueError(f"{op}: need to override {n} gradients, got {len(override)}")
            wanted = [v for v, o in zip(op.local_inputs, override) if _is_default(o)]
            defaults = iter(self._default_grads(wanted))
            grads = []
            for item in override:
                if _is_default(item):
                    grads.append(next(defaults))
                elif isinstance(item, Variable):
                    grads.append(_check_placeholder(item))
                elif callable(item):
                    grads.append(item(*args))
                else:
                    raise TypeError(f"{op}: a gradient override must be 'default', a "
                                    f"callable, an OpFromGraph or a NullType/DisconnectedType "
                                    f"variable, got {item!r}")
        elif callable(override):
            grads = override(*args)
            if not isinstance(grads, list):
                raise TypeError(f"{op}: the gradient override should return a list, got "
                                f"{type(grads).__name__}")
        else:
            raise TypeError(f"{op}: a gradient override must be 'default', a callable, an "
                            f"OpFromGraph or a NullType/DisconnectedType variable, got "
                            f"{override!r}")
        if len(grads) != n:
            raise ValueError(f"{op}: the gradient override should give {n} gradients (one per "
                             f"input, the shared ones last), got {len(grads)}")
        return [g if isinstance(g, Variable) else as_tensor_variable(g) for g in grads]

    def _default_grads(self, wanted):
        if not wanted:
            return []
        op = self.op
        return grad(None, wanted, known_grads=dict(zip(op.local_outputs, self.output_grads)),
                    disconnected_inputs="ignore", return_disconnected="Disconnected",
                    null_gradients="return")

    def lower(self, input_tensors, grad_tensors, ctx):
        """The gradients of the node's inputs, as tensors (None where there is
        none), from its inputs' and output gradients' tensors."""
        op = self.op
        # The outputs are computed again from the inputs, not taken as given:
        # a default gradient differentiates the path between them.
        values = dict(zip(map(id, op.local_inputs), input_tensors))
        values.update((id(v), cast_tensor(tf.convert_to_tensor(t), v.dtype))
                      for v, t in zip(self.output_grads, grad_tensors))
        symbolic = [g for g in self.grads if not isinstance(g.type, (NullType, DisconnectedType))]
        computed = dict(zip(map(id, symbolic), run_graph(symbolic, values, ctx)))
        results = []
        for g, var, tensor in zip(self.grads, op.local_inputs, input_tensors):
            value = computed.get(id(g))
            if value is None or not (var.dtype.startswith("float")
                                     or var.dtype.startswith("complex")):
                results.append(None)
            else:
                results.append(tf.broadcast_to(cast_tensor(value, var.dtype), tf.shape(tensor)))
        return results


def run_graph(targets, values, ctx):
    """The tensors of ``targets``, lowered in a walk nested in ``ctx`` from
    ``values`` (root variable ids to tensors); a constant target, or one
    given, is taken as it is."""
    computed = ctx.nested().run(targets, values)
    return [computed[id(v)] if id(v) in computed else tf.constant(v.data, dtype=v.dtype)
            if isinstance(v, Constant) else values[id(v)] for v in targets]


def io_connection_pattern(inputs, outputs):
    """``pattern[i][j]``: whether ``outputs[j]`` depends differentiably on
    ``inputs[i]``, following each op's connection pattern (Theano's
    ``gof.graph.io_connection_pattern``)."""
    reached = [true_ancestors([out], inputs) for out in outputs]
    return [[id(inp) in r for r in reached] for inp in inputs]


def _fits(value, expected):
    """Whether ``value`` can stand for a variable of type ``expected``: the
    same type, or, for tensors, the same dtype and number of dimensions and
    broadcastable wherever ``expected`` is (Theano's ``filter_variable``)."""
    if value.type == expected:
        return True
    return (getattr(value, "dtype", None) == getattr(expected, "dtype", 0)
            and value.ndim == expected.ndim and all(
                v or not e for v, e in zip(value.broadcastable, expected.broadcastable)))


def _is_default(item):
    return isinstance(item, str) and item == _DEFAULT


def _check_placeholder(var):
    if not isinstance(var.type, (NullType, DisconnectedType)):
        raise ValueError(f"an overriding variable can only be of NullType or "
                         f"DisconnectedType, got {var.type}")
    return var
