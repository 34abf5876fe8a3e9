"""Seed 000: the minimal training script, on tfgraph.

Trains W by gradient descent so that (x * W).sum() moves from 0.9 towards the target 20,
printing the model's output at each step, as the seed shows it::

    $ python -m experiments.minimal_training
    0.9
    8.54
    13.124
    ...
    19.8075160064

Flags: --steps, --learning_rate, --target, --logdir (optional: the graph of f, the output
y per step and a histogram of W, for TensorBoard), and tfgraph's --floatX --device --mode
--xla.
"""
import numpy
from absl import app, flags

import tfgraph as theano
import tfgraph.checkpoint  # noqa: F401  (theano.checkpoint)
import tfgraph.flags  # noqa: F401  (--floatX, --device, --mode, --xla)
import tfgraph.tensor  # noqa: F401  (theano.tensor, as the seed spells it)
import tfgraph.tensorboard  # noqa: F401
from experiments.common import (
    check_no_arguments,
    configured,
    format_float,
    fresh_logdir,
)

FLAGS = flags.FLAGS


def train(steps=10, learning_rate=0.1, target=20.0, logdir=None, floatX=None, device=None,
          verbose=True, checkpoint_dir=None):
    """Run the seed script; return the outputs of f, one float per step.

    With `logdir`, also write f's graph, the output ``y`` per step and a histogram of
    ``W`` there (steps count from 1). `floatX`/`device` override tfgraph's config for
    the call (None keeps it). With `checkpoint_dir`, W is saved there after every step,
    and a run finding a checkpoint there resumes after its step, returning the outputs
    of the steps it runs.
    """
    with configured(floatX=floatX, device=device):
        # --- the seed, Python 3 ---------------------------------------------
        x = theano.tensor.fvector('x')
        target_var = theano.tensor.fscalar('target')

        W = theano.shared(numpy.asarray([0.2, 0.7]), 'W')
        y = (x * W).sum()

        cost = theano.tensor.sqr(target_var - y)
        gradients = theano.tensor.grad(cost, [W])
        W_updated = W - (learning_rate * gradients[0])
        updates = [(W, W_updated)]

        f = theano.function([x, target_var], y, updates=updates, name='minimal_training')

        log = None
        if logdir is not None:
            log = theano.tensorboard.SummaryLogger(fresh_logdir(logdir))
            log.graph(f)
        checkpoints, done = None, 0
        if checkpoint_dir:
            checkpoints = theano.checkpoint.Checkpoints([W], checkpoint_dir, max_to_keep=3)
            done = checkpoints.restore() or 0
        outputs = []
        try:
            for step in range(done + 1, steps + 1):
                output = f([1.0, 1.0], target)
                outputs.append(float(output))
                if verbose:
                    print(format_float(output))
                if log is not None:
                    log.scalars(step, y=float(output))
                    log.histograms(step, [W])
                if checkpoints is not None:
                    checkpoints.save(step)
        finally:
            if log is not None:
                log.close()
        return outputs


def define_flags():
    """The app's own flags; defined only when it runs as the program, so that
    ``python -m experiments`` can import every runner without clashing names."""
    flags.DEFINE_integer('steps', 10, 'number of training steps (calls of f)')
    flags.DEFINE_float('learning_rate', 0.1, 'gradient descent step size')
    flags.DEFINE_float('target', 20.0, 'the value the model is trained to output')
    flags.DEFINE_string('logdir', None, 'if set, write TensorBoard logs (graph, y, W) here')
    flags.DEFINE_string('checkpoint_dir', None,
                        'if set, checkpoint W there each step and resume from it')
    flags.adopt_module_key_flags(tfgraph.flags)  # list --floatX etc. in --help


def main(argv):
    check_no_arguments(argv)
    train(steps=FLAGS.steps, learning_rate=FLAGS.learning_rate, target=FLAGS.target,
          logdir=FLAGS.logdir, checkpoint_dir=FLAGS.checkpoint_dir)


if __name__ == '__main__':
    define_flags()
    app.run(main)
