"""``theano.tensor.inplace``: the in-place forms of the elementwise ops
(``add_inplace``, ``exp_inplace``, ...).

In Theano these overwrite their first input to save memory; that is an
optimisation, and TensorFlow allocates its own buffers, so here each
computes the same values as its ordinary form and returns them as a new
tensor (its first input is left as it was). Each prints as Theano's
(``add_inplace``) and records the overwriting in its ``destroy_map``.
"""
from tfgraph.ops.elemwise import inplace_op
from tfgraph.persist import pickle_by_name
from tfgraph.ops.shape import transpose as transpose_inplace  # noqa: F401

_NAMES = ("lt gt le ge eq neq and_ or_ xor invert abs_ exp expm1 neg log log1p log2 log10 sgn "
          "ceil floor round_half_to_even round_half_away_from_zero sqr sqrt cos arccos sin "
          "arcsin tan arctan cosh sinh tanh erf second maximum minimum add sub mul true_div "
          "int_div mod pow").split()
_SPECIAL_NAMES = ("exp2 inv trunc deg2rad rad2deg arctan2 arccosh arcsinh arctanh erfc erfcx "
                  "gamma gammaln psi tri_gamma chi2sf j0 j1 i0 i1 jv iv conj").split()

globals().update({f"{name}_inplace": pickle_by_name(inplace_op(name), __name__, f"{name}_inplace")
                  for name in _NAMES + _SPECIAL_NAMES})
fill_inplace = second_inplace  # noqa: F821  (defined just above)
