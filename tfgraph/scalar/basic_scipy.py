"""``theano.scalar.basic_scipy``: the special functions' scalar ops (the
same objects as in theano.scalar.basic)."""
from tfgraph.scalar.basic import (  # noqa: F401
    Chi2SF, Erf, Erfc, Erfcinv, Erfcx, Erfinv, Gamma, GammaInc, GammaIncC, GammaL, GammaLn,
    GammaU, I0, I1, J0, J1, Psi, TriGamma, chi2sf, erf, erfc, erfcinv, erfcx, erfinv, gamma,
    gammainc, gammaincc, gammal, gammaln, gammau, i0, i1, j0, j1, psi, tri_gamma)

imported_scipy_special = False  # TensorFlow computes them; SciPy is not needed
