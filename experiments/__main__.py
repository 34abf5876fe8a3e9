"""Run every experiment with its defaults: ``python -m experiments`` (or ``tfgraph-experiments``).

1. seed 000, the minimal training script (its graph and output logged for TensorBoard);
2. seed 001, every cell of the Theano tutorial (its figures saved as PNGs);
3. seed 001's MLP on two Gaussian clouds: plots, and TensorBoard logs of its train graph,
   cost, accuracy and parameter histograms;
4. an unmodified Theano program (``import theano``) run through the alias.

Everything goes under --output_dir (default ``runs/``): ``runs/plots/<experiment>/*.png`` and
``runs/logs/<experiment>/``. It ends by printing where, and the command that opens
TensorBoard on the logs. Reruns replace the plots and logs of the previous run.
"""
import os
import sys
import time

from absl import app, flags

import tfgraph as theano
import tfgraph.flags  # noqa: F401  (--floatX, --device, --mode, --xla)
from experiments import legacy_tutorial, minimal_training, mlp_gaussian, theano_tutorial
from experiments.common import check_no_arguments

FLAGS = flags.FLAGS


def banner(text):
    line = '=' * 78
    print(f'\n{line}\n{text}\n{line}')


def run_all(output_dir='runs', iterations=20, seed=0):
    '''Run the three experiments, writing under `output_dir`; returns where things went.'''
    plots = os.path.join(output_dir, 'plots')
    logs = os.path.join(output_dir, 'logs')
    start = time.time()

    banner('Seed 000: minimal training (python -m experiments.minimal_training)')
    minimal_training.train(logdir=os.path.join(logs, 'minimal_training'))

    banner('Seed 001: the Theano tutorial, cell by cell (python -m experiments.theano_tutorial)')
    theano_tutorial.run_tutorial(plot_dir=os.path.join(plots, 'theano_tutorial'),
                                 iterations=iterations, seed=seed)

    banner('Seed 001: the MLP on two Gaussian clouds (python -m experiments.mlp_gaussian)')
    result = mlp_gaussian.train_mlp(iterations=iterations, seed=seed,
                                    plot_dir=os.path.join(plots, 'mlp_gaussian'),
                                    logdir=os.path.join(logs, 'mlp_gaussian'))

    banner('Unmodified Theano code: tutorial logistic regression (python -m tfgraph.run '
           'experiments/legacy/logreg_sgd.py)')
    legacy_tutorial.run_legacy()

    config = theano.config
    banner(f'Done in {time.time() - start:.0f} s (floatX {config.floatX}, device {config.device})')
    outputs = [
        ('plots', os.path.join(plots, 'theano_tutorial'),
         "cell 22's data, one plot per iteration"),
        ('plots', os.path.join(plots, 'mlp_gaussian'),
         'data, one plot per iteration, summary.png'),
        ('logs', os.path.join(logs, 'minimal_training'), 'graph of f, y per step, histogram of W'),
        ('logs', os.path.join(logs, 'mlp_gaussian'),
         'graph of train, cost and accuracy, histograms'),
    ]
    for kind, directory, what in outputs:
        if kind == 'plots':
            count = len([f for f in os.listdir(directory) if f.endswith('.png')])
            what = f'{count} PNGs: {what}'
        print('{:<6} {:<34} {}'.format(kind + ':', directory + os.sep, what))
    print('\nOpen TensorBoard on the logs (Graphs, Scalars, Histograms tabs):\n\n'
          f'    tensorboard --logdir {logs}\n\nthen browse to http://localhost:6006')
    return {'plots': plots, 'logs': logs, 'mlp': result}


def define_flags():
    flags.DEFINE_string('output_dir', 'runs', 'where plots/ and logs/ go')
    flags.DEFINE_integer('iterations', 20, 'MLP training iterations (tutorial and MLP)')
    flags.DEFINE_integer('seed', 0, 'seed of the NumPy Generator for the MLP data and weights')
    flags.adopt_module_key_flags(tfgraph.flags)  # list --floatX etc. in --help


def main(argv):
    check_no_arguments(argv)
    run_all(output_dir=FLAGS.output_dir, iterations=FLAGS.iterations, seed=FLAGS.seed)


def run():
    '''Entry point of the ``tfgraph-experiments`` console script.'''
    define_flags()
    if __name__ != '__main__':
        # As a console script, the program (sys.argv[0]) is not this module: tell absl's
        # --help that these are the program's flags.
        for flag in FLAGS.get_key_flags_for_module(__name__):
            FLAGS.register_key_flag_for_module(sys.argv[0], flag)
    app.run(main)


if __name__ == '__main__':
    run()
