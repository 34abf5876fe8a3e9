"""Lowerings for other platforms than one device.

An op's ``lower`` is its lowering everywhere, unless a rule is registered for
the platform a graph is lowered for, beside the op's definition (as JAX's
``mlir.register_lowering(prim, rule, platform=...)``). The one platform with
rules of its own is ``"mesh"``: TensorFlow's DTensor lays out some ops
(loops over TensorArrays, average pooling's gradient) on no mesh.
"""

PLATFORMS = ("mesh",)
_LOWERINGS = {}    # (op class, platform) -> rule(op, node, inputs, ctx)


def register_lowering(op_class, rule, platform):
    """Lower the nodes of ``op_class`` (and of its subclasses) with
    ``rule(op, node, inputs, ctx)`` when a graph is lowered for ``platform``."""
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}; the platforms are {PLATFORMS}")
    _LOWERINGS[(op_class, platform)] = rule


def lowering_rule(op, platform):
    """The registered rule lowering ``op`` for ``platform`` (None: one
    device), or None when ``op.lower`` serves."""
    if platform is None:
        return None
    for cls in type(op).__mro__:
        rule = _LOWERINGS.get((cls, platform))
        if rule is not None:
            return rule
    return None
