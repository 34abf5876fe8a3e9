"""absl flags for tfgraph's configuration: ``--floatX``, ``--device``, ``--mode``, ``--xla``.

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

from tfgraph.config import FLOAT_DTYPES, MODES, OPTIONS, config

FLAGS = flags.FLAGS

if "floatX" not in FLAGS:
    flags.DEFINE_enum("floatX", None, list(FLOAT_DTYPES), OPTIONS["floatX"][2])
    flags.DEFINE_string("device", None, OPTIONS["device"][2])
    flags.DEFINE_enum("mode", None, list(MODES), OPTIONS["mode"][2])
    flags.DEFINE_bool("xla", None, OPTIONS["xla"][2])


def _from_command_line(name):
    # Before parsing, reading FLAGS raises; defaults (None) mean "not given".
    if not FLAGS.is_parsed() or name not in FLAGS:
        return None
    return FLAGS[name].value


config.add_source(_from_command_line)
