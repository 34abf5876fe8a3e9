"""``theano.tensor.utils``: a hash of an array's contents and the shapes of a
graph's variables for given input shapes."""
import hashlib

import numpy as np

from tfgraph.compile.function import function


def hash_from_ndarray(data):
    """A hex digest of an array's values, shape and dtype (a view and its
    copy hash alike)."""
    data = np.ascontiguousarray(data)
    digest = hashlib.sha256(data.tobytes())
    digest.update(str((data.shape, data.dtype.str)).encode())
    return digest.hexdigest()


def shape_of_variables(fgraph, input_shapes):
    """{variable: its shape tuple} for every variable of the FunctionGraph
    ``fgraph``, given {input: shape}; ValueError if an input given is not one
    of the graph's."""
    if any(var not in fgraph.inputs for var in input_shapes):
        raise ValueError("input_shapes keys aren't in the fgraph.inputs. FunctionGraph() "
                         "interface changed. Now by default, it clones the graph it receives. "
                         "To have the old behavior, give it this new parameter `clone=False`.")
    variables = [v for v in fgraph.variables if getattr(v, "ndim", None) is not None]
    inputs = list(input_shapes)
    compute = function(inputs, [v.shape for v in variables], on_unused_input="ignore")
    shapes = compute(*[np.zeros(input_shapes[v], dtype=v.dtype) for v in inputs])
    return {var: tuple(int(n) for n in shape) for var, shape in zip(variables, shapes)}
