"""``theano.tensor.type``: ``TensorType`` and the value comparisons Theano's
types offer (``values_eq_approx`` with the dtype's tolerances)."""
from tfgraph.graph import TensorType  # noqa: F401
from tfgraph.values import (  # noqa: F401
    values_eq_approx, values_eq_approx_remove_inf, values_eq_approx_remove_inf_nan,
    values_eq_approx_remove_nan)
