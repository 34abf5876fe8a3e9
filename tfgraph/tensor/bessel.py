"""``jv`` and ``iv``: Bessel functions of the first kind and modified Bessel
functions of real order v (Theano's ``Jv`` and ``Iv`` of
theano/scalar/basic_scipy.py). TensorFlow has only orders 0 and 1 (``j0``,
``i1``, ...), so these run SciPy's, outside the graph (``tf.numpy_function``;
not under XLA); their gradient along x is Theano's recurrence, along v not
implemented, as in Theano."""
from tfgraph.ops.elemwise import Elemwise, register_table
from tfgraph.ops.scalar import ScalarOp, to_float
from tfgraph.symbolic_grad import grad_not_implemented


def _scipy_special():
    import scipy.special  # SciPy only where a graph computes these, as Theano needed it
    return scipy.special


class _RealOrderBessel(ScalarOp):
    nin = 2
    default_rule = to_float
    function = None   # the name in scipy.special
    sign = None       # d/dx f_v = (f_{v-1} + sign * f_{v+1}) / 2

    def impl(self, v, x):
        return getattr(_scipy_special(), self.function)(v, x)

    def grad(self, inputs, output_grads):
        v, x = inputs
        gz, = output_grads
        f = OPS[self.function]
        return [grad_not_implemented(self, 0, v),
                gz * (f(v - 1, x) + self.sign * f(v + 1, x)) / 2]


class Jv(_RealOrderBessel):
    function, sign = "jv", -1


class Iv(_RealOrderBessel):
    function, sign = "iv", 1


OPS = register_table({name: Elemwise(cls(name=name), name=f"Elemwise{{{name},no_inplace}}")
                      for name, cls in (("jv", Jv), ("iv", Iv))})
jv, iv = OPS["jv"], OPS["iv"]
