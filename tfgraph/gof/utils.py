"""``theano.gof.utils``: the small helpers Theano code imports from its graph
core (``MethodNotDefined``, ``flatten``, ``uniq``, ``toposort`` of a
dependency dict, ``memoize``, ``hash_from_code``, stack traces on tags, ...)."""
import functools
import hashlib
import linecache
import sys
import warnings


class MethodNotDefined(Exception):
    """A method an op or type may define and this one does not."""


undef = object()   # "no value", where None is a value
simple_types = (int, float, str, bool, type(None))


def hashtype(self):
    return hash(type(self))


def flatten(a):
    """The leaves of nested lists and tuples, in order."""
    if isinstance(a, (list, tuple)):
        return [leaf for item in a for leaf in flatten(item)]
    return [a]


def uniq(seq):
    """``seq`` without repeats, first occurrences kept in order."""
    seen = set()
    return [x for x in seq if not (x in seen or seen.add(x))]


def unique(x):
    """Whether every element of ``x`` is different."""
    return len(set(x)) == len(x)


def difference(seq1, seq2):
    """The elements of ``seq1`` not in ``seq2``, in order."""
    return [x for x in seq1 if x not in seq2]


def remove(predicate, coll):
    """The elements of ``coll`` for which ``predicate`` is false."""
    return [x for x in coll if not predicate(x)]


def hist(coll):
    """{element: how many times it occurs in coll}."""
    counts = {}
    for element in coll:
        counts[element] = counts.get(element, 0) + 1
    return counts


def from_return_values(values):
    return list(values) if isinstance(values, (list, tuple)) else [values]


def to_return_values(values):
    return values[0] if len(values) == 1 else values


def toposort(prereqs_d):
    """The keys of ``prereqs_d`` ({x: set of what must come before x}), each
    after its prerequisites; an exception if that is impossible (a cycle)."""
    done, order = set(), []
    ready = [x for x, prereqs in prereqs_d.items() if not prereqs]
    while ready:
        order.extend(ready)
        done.update(ready)
        ready = [x for x, prereqs in prereqs_d.items()
                 if x not in done and not set(prereqs) - done]
    if len(order) != len(prereqs_d):
        raise Exception("Cannot sort topologically: there might be cycles, prereqs_d does "
                        "not have a key for each element or some orderings contain invalid "
                        "elements.")
    return order


def memoize(f):
    """``f`` with its results kept for each (hashable) arguments."""
    return functools.lru_cache(maxsize=None)(f)


def deprecated(filename, msg=""):
    """A decorator warning, at each call, that the function is deprecated."""
    def decorate(f):
        @functools.wraps(f)
        def warned(*args, **kwargs):
            warnings.warn(f"WARNING: {filename}.{f.__name__} deprecated. {msg}",
                          DeprecationWarning, stacklevel=2)
            return f(*args, **kwargs)
        return warned
    return decorate


def hash_from_code(msg):
    """A hex digest of the string or bytes ``msg``."""
    return hashlib.sha256(msg.encode() if isinstance(msg, str) else bytes(msg)).hexdigest()


def hash_from_file(file_path):
    with open(file_path, "rb") as file:
        return hash_from_code(file.read())


def give_variables_names(variables):
    """Name the unnamed ``variables`` (and rename repeated names) so that
    every one has a name of its own."""
    names = [v.name for v in variables if v.name is not None]
    taken = set()
    for position, var in enumerate(variables):
        if var.name is None or names.count(var.name) > 1 or var.name in taken:
            var.name = f"_{position}"
            while var.name in taken:
                var.name += "_"
        taken.add(var.name)
    return variables


def simple_extract_stack(f=None, limit=None, skips=()):
    """[(file, line number, function, source line)] of the calling frames,
    outermost first, leaving out the innermost ones whose file contains one of
    ``skips``."""
    f = f or sys._getframe(1)
    trace = []
    while f is not None and (limit is None or len(trace) < limit):
        code = f.f_code
        if trace or not any(part in code.co_filename and "tests" not in code.co_filename
                             for part in skips):
            line = linecache.getline(code.co_filename, f.f_lineno, f.f_globals).strip()
            trace.append((code.co_filename, f.f_lineno, code.co_name, line or None))
        f = f.f_back
    return trace[::-1]


def add_tag_trace(thing, user_line=None):
    """Record where ``thing`` (a variable) was made, in ``thing.tag.trace``."""
    thing.tag.trace = [simple_extract_stack(limit=user_line, skips=("tfgraph/",))]
    return thing


def get_variable_trace_string(v):
    """Where ``v`` was made, as text (from its ``tag.trace``), or ''."""
    traces = getattr(v.tag, "trace", [])
    lines = [f'  File "{f}", line {n}, in {name}\n    {src}' for trace in traces
             for f, n, name, src in trace]
    return ("Backtrace when that variable is created:\n" + "\n".join(lines)) if lines else ""


class scratchpad:
    """An object to hang attributes on (Theano's ``tag``)."""

    def clear(self):
        self.__dict__.clear()

    def __update__(self, other):
        self.__dict__.update(other.__dict__)
        return self

    def __str__(self):
        return "scratchpad" + str(self.__dict__)

    __repr__ = __str__

    def info(self):
        print(f"<theano.gof.utils.scratchpad instance at {id(self)}>")
        for key, value in self.__dict__.items():
            print(f"  {key}: {value}")


class D(scratchpad):
    """A scratchpad made with its attributes: ``D(a=1)``."""

    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)
