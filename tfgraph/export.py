"""A compiled function as a TensorFlow SavedModel, for serving without tfgraph.

    f = theano.function([x], [p_y_given_x, y_pred])
    f.export_saved_model("model/1")

and later, anywhere TensorFlow runs::

    served = tf.saved_model.load("model/1")
    served.signatures["serving_default"](x=batch)   # {"p_y_given_x": ..., "y_pred": ...}

The serving signature takes the function's inputs by name and returns its
outputs by name; its shared variables are the SavedModel's variables. It
computes the outputs only: a training function's updates are left out, or,
with ``include_updates=True``, exported as a second signature ``train`` that
returns the same outputs and assigns the updates to those variables. Every
dimension that is not broadcastable takes any length (any batch size).
"""
import re

from tfgraph.compile.lower import scope_name
from tfgraph._tf import tf

TRAIN_SIGNATURE = "train"


def export_saved_model(function, path, include_updates=False,
                       signature_name="serving_default"):
    """Write ``function`` (a compiled ``Function``) as a SavedModel at ``path``;
    returns the signature names written.

    Input and output names are the variables' names (``In(name=)``, the keys of
    a dict of outputs), made into identifiers; an unnamed one is ``input_<i>``
    / ``output_<i>``. Raises ``ValueError`` for two inputs or outputs of one
    name, or for ``include_updates`` on a function without updates.
    """
    if include_updates and not function.updates:
        raise ValueError(f"export_saved_model: function {function.name!r} has no updates "
                         f"to export (include_updates=True)")
    input_names = _unique([s.name for s in function.inputs], "input", function.name)
    output_names = _unique(_output_labels(function), "output", function.name)
    function.program.require_dense("export_saved_model")  # a signature of tensors
    specs = [s.variable.type.tensor_spec(name) for s, name in zip(function.inputs, input_names)]
    serving = function.copy(delete_updates=True) if function.updates else function

    module = tf.Module()
    # Attributes of a tf.Module that hold variables are what a SavedModel saves.
    # TensorFlow's own variable names are all "shared" (see tfgraph.shared):
    # the SavedModel keeps them by the shared variables' names (W, b, W_2, ...).
    module.shared_variables = dict(zip(_variable_keys(function.shared_variables),
                                       (v.variable for v in function.shared_variables)))
    module.serve = tf.function(_named(serving, output_names), input_signature=specs,
                               autograph=False)
    signatures = {signature_name: module.serve.get_concrete_function()}
    if include_updates:
        module.train = tf.function(_named(function, output_names, keep_empty=True),
                                   input_signature=specs, autograph=False)
        signatures[TRAIN_SIGNATURE] = module.train.get_concrete_function()
    tf.saved_model.save(module, str(path), signatures=signatures)
    return sorted(signatures)


def _named(function, output_names, keep_empty=False):
    def run(*args):
        outputs = function.program.body(*args)
        named = dict(zip(output_names, outputs))
        if not named and keep_empty:
            # A signature returns something: say the step ran.
            with tf.control_dependencies(outputs):
                named["done"] = tf.constant(True)
        return named
    return run


def _output_labels(function):
    outputs = function.definition.arguments["outputs"]
    if isinstance(outputs, dict):
        return [str(key) for key in outputs]
    return [v.name for v in function.outputs]


def _variable_keys(variables):
    """Each shared variable's name (``shared`` if it has none), a repeat
    numbered from 2 (``W``, ``W_2``)."""
    keys, seen = [], {}
    for var in variables:
        base = re.sub(r"[^A-Za-z0-9_]", "_", var.name or "shared")
        seen[base] = seen.get(base, 0) + 1
        keys.append(base if seen[base] == 1 else f"{base}_{seen[base]}")
    return keys


def _unique(names, kind, function_name):
    cleaned = []
    for i, name in enumerate(names):
        label = scope_name(name) if name else f"{kind}_{i}"
        cleaned.append(re.sub(r"[.\-]", "_", label))
    repeated = sorted({n for n in cleaned if cleaned.count(n) > 1})
    if repeated:
        raise ValueError(f"export_saved_model: function {function_name!r} has several "
                         f"{kind}s named {repeated}; name them apart (In(name=...), "
                         f"var.name, or a dict of outputs)")
    return cleaned
