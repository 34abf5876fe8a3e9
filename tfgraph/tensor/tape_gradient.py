"""``TapeGradient``: the base of Theano's gradient op classes (``CholeskyGrad``,
``EighGrad``, ``MaxPoolGrad``, ...), which Theano code applies by hand. Each
is the gradient of a forward op, computed by TensorFlow's tape over that
op's own lowering, so it equals what ``grad`` gives (and has gradients of
its own)."""
from tfgraph.compile.lower import Lowering
from tfgraph.graph import Apply, Constant, Op
from tfgraph.ops.base import as_tensor_variable, cast_tensor
from tfgraph._tf import tf


class TapeGradient(Op):
    """Which inputs feed the forward op (``FORWARD``, positions among the
    op's inputs), which are the gradients of its outputs (``GRADS``), and
    with respect to which of the forward op's inputs the gradients are
    (``WRT``); ``forward_op()`` is the forward op."""
    FORWARD, GRADS, WRT = (0,), (1,), (0,)

    def forward_op(self):
        raise NotImplementedError

    def make_node(self, *args):
        args = [as_tensor_variable(a) for a in args]
        # The forward graph on stand-ins, lowered on its own tensors in ``lower``.
        stand_ins = [v if isinstance(v, Constant) else v.type()
                     for v in (args[i] for i in self.FORWARD)]
        node = Apply(self, args, [args[self.FORWARD[i]].type() for i in self.WRT])
        node.forward = self.forward_op().make_node(*stand_ins)
        return node

    def lower(self, node, inputs, ctx):
        stand_ins = node.forward.inputs
        forward = [tf.identity(inputs[i]) for i in self.FORWARD]
        with tf.GradientTape() as tape:
            tape.watch([forward[i] for i in self.WRT])
            values = {id(v): t for v, t in zip(stand_ins, forward) if not isinstance(v, Constant)}
            computed = Lowering().run(node.forward.outputs, values)
        outputs = [computed[id(v)] for v in node.forward.outputs]
        grads = [cast_tensor(inputs[i], out.dtype.name) for i, out in zip(self.GRADS, outputs)]
        found = tape.gradient(outputs[:len(grads)], [forward[i] for i in self.WRT],
                              output_gradients=grads)
        return [tf.zeros_like(forward[i]) if g is None else g for i, g in zip(self.WRT, found)]
