"""What every workload's systems share (see tools/bench.py): a system has
``prepare()`` (untimed: imports), ``build()``, ``step()`` and ``params()``."""


def adapting(function):
    """Whether a compiled step may still change how it runs: tfgraph chooses
    XLA or not by measurement (config.xla unset), per input shape."""
    executable = getattr(function, "executable", None)
    return not getattr(executable, "settled", True)


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


class TheanoProgram:
    """A Theano program run on a library with Theano's API (tfgraph, PyTensor):
    ``api()`` imports the library (a failure skips the system), ``program(*library)``
    builds the compiled step and its shared parameters. Subclasses define both,
    and ``step()`` if a step is not one call with the problem's inputs."""
    failure = "error"
    steps_per_call = 1

    def __init__(self, problem, name, api, **function_kwargs):
        self.problem, self.name, self._api, self._kwargs = problem, name, api, function_kwargs

    def prepare(self):
        self._library = self._api()

    def build(self):
        # As seed 001 advises, a float32 run sets floatX: T.matrix and Python float
        # literals (PyTensor makes them floatX constants) then stay float32.
        config = self._library[0].config
        saved, config.floatX = config.floatX, self.problem.floatX
        try:
            self._fn, self._shared = self.program(*self._library)
        finally:
            config.floatX = saved

    def program(self, *library):
        raise NotImplementedError

    def step(self):
        return self._fn(*self.problem.inputs)

    def adapting(self):
        return adapting(self._fn)

    def params(self):
        return [s.get_value() for s in self._shared]
