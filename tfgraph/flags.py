"""absl flags for tfgraph's configuration: ``--floatX``, ``--device``, ``--mode``, ``--xla``,
and where functions run: ``--mesh batch=4,model=2`` with ``--mesh_layouts W=-:model``
(see ``tfgraph.distribute``).

Import this module in an absl app and the flags exist; once absl has parsed
the command line, a flag given there takes precedence over TFGRAPH_FLAGS and
THEANO_FLAGS (an assignment to ``tfgraph.config`` still wins over all)::

    from absl import app
    import tfgraph as theano
    import tfgraph.flags  # noqa: F401  (defines --floatX, --device, --mode, --xla)

    def main(argv):
        print(theano.config.floatX)

    app.run(main)
"""
from absl import flags

from tfgraph import distribute
from tfgraph.config import FLOAT_DTYPES, MODES, REGISTRY, config

FLAGS = flags.FLAGS

if "floatX" not in FLAGS:
    flags.DEFINE_enum("floatX", None, list(FLOAT_DTYPES), REGISTRY["floatX"].doc)
    flags.DEFINE_string("device", None, REGISTRY["device"].doc)
    flags.DEFINE_enum("mode", None, list(MODES), REGISTRY["mode"].doc)
    flags.DEFINE_bool("xla", None, REGISTRY["xla"].doc)
    flags.DEFINE_string("mesh", None, "run functions on a mesh of devices, e.g. batch=4 or "
                        "batch=2,model=2 (the CPU is split into that many devices)")
    flags.DEFINE_string("mesh_layouts", "", "layouts on the mesh by variable name, e.g. "
                        "W=-:model,mlp_input=-:batch (':' between dimensions, '-' whole)")


def _from_command_line(name):
    # Before parsing, reading FLAGS raises; defaults (None) mean "not given".
    if not FLAGS.is_parsed() or name not in FLAGS:
        return None
    return FLAGS[name].value


def _mesh_from_command_line():
    text = _from_command_line("mesh")
    if not text:
        return None
    return distribute.parse_mesh(text), distribute.parse_layouts(FLAGS.mesh_layouts or "")


config.add_source(_from_command_line)
distribute.add_source(_mesh_from_command_line)
