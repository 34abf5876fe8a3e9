"""Theano's ``scan_checkpoints``: a scan that returns its outputs only every
``save_every_N`` steps (the last step of each block of N, and the very last
step). Theano recomputed the steps in between for the gradient to save
memory; here the loop is one scan and TensorFlow keeps what its gradient
needs, so the results are the same and only the memory profile differs."""
from tfgraph.ops.elemwise import OPS
from tfgraph.ops.shape import arange
from tfgraph.scan_module.scan import scan


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def scan_checkpoints(fn, sequences=[], outputs_info=None, non_sequences=[],  # noqa: B006
                     name="checkpointscan_fn", n_steps=None, save_every_N=10, padding=True):
    """(outputs, updates) as ``scan(fn, sequences, outputs_info,
    non_sequences, n_steps)`` but each output holds only steps N-1, 2N-1, ...
    and the last (N = ``save_every_N``); outputs_info may not have taps."""
    for element in _as_list(outputs_info):
        if isinstance(element, dict) and "taps" in element:
            raise RuntimeError("scan_checkpoints doesn't work with taps.")
    if int(save_every_N) < 1:
        raise ValueError(f"scan_checkpoints: save_every_N must be >= 1, got {save_every_N}")
    results, updates = scan(fn, sequences=_as_list(sequences), outputs_info=outputs_info,
                            non_sequences=_as_list(non_sequences), n_steps=n_steps, name=name)
    single = not isinstance(results, (list, tuple))
    outputs = [results] if single else list(results)
    steps = outputs[0].shape[0]
    kept = OPS["minimum"](arange(save_every_N - 1, steps + save_every_N - 1, save_every_N),
                          steps - 1)
    outputs = [output[kept] for output in outputs]
    return (outputs[0] if single else outputs), updates
