"""What every workload's systems share (see tools/bench.py): a system has
``prepare()`` (untimed: imports), ``build()``, ``step()`` and ``params()``."""


class NumpyByHand:
    """The step written by hand in NumPy: the reference every system is
    checked against. Subclasses define ``step()``."""
    name = "numpy"
    failure = "error"
    steps_per_call = 1

    def __init__(self, problem):
        self.problem = problem

    def prepare(self):
        pass

    def build(self):
        self._params = [p.copy() for p in self.problem.params]

    def params(self):
        return self._params
