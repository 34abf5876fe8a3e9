"""Seed 001's multi-layer perceptron: two Gaussian clouds, momentum, plots, TensorBoard.

The tutorial's ``Layer``, ``MLP`` and ``gradient_updates_momentum``, written against tfgraph
as the tutorial wrote them against Theano (plus a ``theano.name_scope`` per layer, so
TensorBoard's graph shows one box per layer). The data are the tutorial's two clouds, drawn
with NumPy 2's Generator in the same order as the tutorial drew them from ``np.random``.

    $ python -m experiments.mlp_gaussian
    MLP 2-4-1 on 1000 points, learning rate 0.01, momentum 0.9, floatX float64
    iteration  1/20  cost 337.3852  accuracy 0.464
    ...

Writes one scatter plot of the network output per iteration
(``--plot_dir/iteration_01.png`` ...), the data (``data.png``) and a summary figure
(``summary.png``); under ``--logdir``, the train function's graph, the scalars ``cost`` and
``accuracy`` per iteration and a histogram of every shared variable per iteration
(``layer0/W``, ..., ``momentum/layer0/W``, ...). Look at them with
``tensorboard --logdir runs/logs``.
"""
import dataclasses
import os

import numpy as np
from absl import app, flags
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

import tfgraph as theano
import tfgraph.checkpoint  # noqa: F401  (theano.checkpoint)
import tfgraph.flags  # noqa: F401  (--floatX, --device, --mode, --xla)
import tfgraph.tensor as T
import tfgraph.tensorboard
from experiments.common import check_no_arguments, configured, fresh_logdir

FLAGS = flags.FLAGS

FIGSIZE = (8, 8)          # inches, as the tutorial's plt.figure(figsize=(8, 8))
SUMMARY_FIGSIZE = (12, 10)
DPI = 100                 # so each scatter plot is 800 x 800 pixels
CMAP = 'cool'             # plt.cm.cool


# --- In [19] ------------------------------------------------------------------------------

class Layer(object):
    def __init__(self, W_init, b_init, activation):
        '''
        A layer of a neural network, computes s(Wx + b) where s is a nonlinearity and x is
        the input vector.

        :parameters:
            - W_init : np.ndarray, shape=(n_output, n_input)
                Values to initialize the weight matrix to.
            - b_init : np.ndarray, shape=(n_output,)
                Values to initialize the bias vector
            - activation : function of a symbolic variable
                Activation function for layer output
        '''
        n_output, n_input = W_init.shape
        assert b_init.shape == (n_output,)
        # All parameters are shared variables, updated elsewhere when optimizing.
        self.W = theano.shared(value=W_init.astype(theano.config.floatX),
                               name='W',
                               borrow=True)
        # b is a column vector that broadcasts along its second dimension, so a matrix of
        # column-vector inputs gives a matrix of outputs.
        self.b = theano.shared(value=b_init.reshape(-1, 1).astype(theano.config.floatX),
                               name='b',
                               borrow=True,
                               broadcastable=(False, True))
        self.activation = activation
        self.params = [self.W, self.b]

    def output(self, x):
        '''
        Compute this layer's output given a symbolic input x: the mixed, biased and
        activated x.
        '''
        lin_output = T.dot(self.W, x) + self.b
        return (lin_output if self.activation is None else self.activation(lin_output))


# --- In [20] ------------------------------------------------------------------------------

class MLP(object):
    def __init__(self, W_init, b_init, activations):
        '''
        Multi-layer perceptron class, computes the composition of a sequence of Layers

        :parameters:
            - W_init : list of np.ndarray, len=N
                Values to initialize the weight matrix in each layer to.
                The layer sizes will be inferred from the shape of each matrix in W_init
            - b_init : list of np.ndarray, len=N
                Values to initialize the bias vector in each layer to
            - activations : list of functions, len=N
                Activation function for layer output for each layer
        '''
        assert len(W_init) == len(b_init) == len(activations)
        self.layers = []
        for W, b, activation in zip(W_init, b_init, activations):
            self.layers.append(Layer(W, b, activation))
        self.params = []
        for layer in self.layers:
            self.params += layer.params

    def output(self, x):
        '''
        Compute the MLP's output given a symbolic input x.
        '''
        # Recursively compute output; each layer's nodes go in their own graph scope,
        # one box per layer in TensorBoard.
        for i, layer in enumerate(self.layers):
            with theano.name_scope('layer%d' % i):
                x = layer.output(x)
        return x

    def squared_error(self, x, y):
        '''
        The squared Euclidean distance between the network output for x and the desired
        output y.
        '''
        output = self.output(x)
        with theano.name_scope('squared_error'):
            return T.sum((output - y)**2)


# --- In [21] ------------------------------------------------------------------------------

def gradient_updates_momentum(cost, params, learning_rate, momentum, names=None):
    '''
    Compute updates for gradient descent with momentum

    :parameters:
        - cost : symbolic scalar to minimize
        - params : list of shared variables to compute the gradient against
        - learning_rate : float
        - momentum : float, at least 0 (standard gradient descent) and less than 1
        - names : optional list of names for the step variables (default: unnamed,
          as in the tutorial)

    :returns:
        updates : list of (shared variable, new value) pairs, two for each parameter
    '''
    assert momentum < 1 and momentum >= 0
    updates = []
    names = names or [None] * len(params)
    with theano.name_scope('momentum'):
        for param, name in zip(params, names):
            # The previous step, kept across iterations in a shared variable, starting at 0.
            param_update = theano.shared(param.get_value()*0., name=name,
                                         broadcastable=param.broadcastable)
            # Step along the previous update; then mix the new gradient into it. Both
            # updates read the old values.
            updates.append((param, param - learning_rate*param_update))
            updates.append((param_update,
                            momentum*param_update + (1. - momentum)*T.grad(cost, param)))
    return updates


# --- In [22]: the data --------------------------------------------------------------------

def gaussian_clouds(rng, N=1000):
    '''
    Two Gaussian-distributed clouds of N points in 2d, as columns of X (shape (2, N)), with
    labels y (0 or 1). Drawn from `rng` in the tutorial's order: labels, covariances,
    then the x and y coordinates.
    '''
    y = rng.integers(0, 2, N)                  # np.random.random_integers(0, 1, N)
    means = np.array([[-1, 1], [-1, 1]])
    covariances = rng.random((2, 2)) + 1       # np.random.random_sample((2, 2)) + 1
    X = np.vstack([rng.standard_normal(N)*covariances[0, y] + means[0, y],
                   rng.standard_normal(N)*covariances[1, y] + means[1, y]])
    return X, y


# --- In [23]: the network -----------------------------------------------------------------

def initial_parameters(layer_sizes, rng):
    '''Normally distributed weights, biases of 1, sigmoid activations (the tutorial's).'''
    W_init, b_init, activations = [], [], []
    for n_input, n_output in zip(layer_sizes[:-1], layer_sizes[1:]):
        W_init.append(rng.standard_normal((n_output, n_input)))   # np.random.randn(...)
        b_init.append(np.ones(n_output))
        activations.append(T.nnet.sigmoid)
    return W_init, b_init, activations


@dataclasses.dataclass
class Network:
    mlp: MLP
    mlp_input: object
    mlp_target: object
    cost: object
    updates: list
    train: object          # train(X, y) -> cost, and one step of momentum
    mlp_output: object     # mlp_output(X) -> network output, shape (1, N)

    @property
    def shared_variables(self):
        '''{tag: shared variable} for every parameter and momentum step, for histograms.'''
        tags = {}
        for i, layer in enumerate(self.mlp.layers):
            tags['layer%d/W' % i], tags['layer%d/b' % i] = layer.W, layer.b
        steps = [var for var, _ in self.updates[1::2]]
        for tag, var in zip(list(tags), steps):
            tags['momentum/' + tag] = var
        return tags


def build_network(W_init, b_init, activations, learning_rate=0.01, momentum=0.9):
    '''The tutorial's In [23] after the initialisation: the MLP, its cost, and the compiled
    train and output functions.'''
    mlp = MLP(W_init, b_init, activations)
    mlp_input = T.matrix('mlp_input')
    mlp_target = T.vector('mlp_target')
    cost = mlp.squared_error(mlp_input, mlp_target)
    step_names = ['%s_step%d' % (p.name, i // 2) for i, p in enumerate(mlp.params)]
    updates = gradient_updates_momentum(cost, mlp.params, learning_rate, momentum,
                                        names=step_names)
    train = theano.function([mlp_input, mlp_target], cost, updates=updates, name='train')
    mlp_output = theano.function([mlp_input], mlp.output(mlp_input), name='mlp_output')
    return Network(mlp, mlp_input, mlp_target, cost, updates, train, mlp_output)


def accuracy_of(output, y):
    '''The proportion of points whose thresholded output matches the label.'''
    return float(np.mean((np.ravel(output) > .5) == y))


# --- plots -----------------------------------------------------------------------------------

def _figure(figsize):
    figure = Figure(figsize=figsize, dpi=DPI)
    FigureCanvasAgg(figure)  # render with Agg, whatever pyplot's backend is
    return figure


def _scatter(ax, X, colors, **kwargs):
    ax.scatter(X[0, :], X[1, :], c=np.ravel(colors), lw=.3, s=3, cmap=CMAP, **kwargs)
    ax.axis([-6, 6, -6, 6])


def plot_data(X, y, path):
    '''The tutorial's plot of the data: points colored by label. Saved to `path` (PNG).'''
    figure = _figure(FIGSIZE)
    _scatter(figure.add_subplot(), X, y)
    figure.savefig(path)
    return path


def plot_output(X, output, cost, accuracy, path):
    '''The tutorial's plot after an iteration: points colored by the network output.'''
    figure = _figure(FIGSIZE)
    ax = figure.add_subplot()
    _scatter(ax, X, output, vmin=0, vmax=1)
    ax.set_title(f'Cost: {float(cost):.3f}, Accuracy: {accuracy:.3f}')
    figure.savefig(path)
    return path


def plot_summary(X, y, output, costs, accuracies, path, first_iteration=1):
    '''One figure: the data, the final output, and the cost and accuracy curves.'''
    figure = _figure(SUMMARY_FIGSIZE)
    (data_ax, output_ax), (cost_ax, accuracy_ax) = figure.subplots(2, 2)
    _scatter(data_ax, X, y)
    data_ax.set_title('Data: two Gaussian clouds (color = label)')
    _scatter(output_ax, X, output, vmin=0, vmax=1)
    output_ax.set_title(f'Network output after {len(costs)} iterations')
    iterations = np.arange(first_iteration, first_iteration + len(costs))
    cost_ax.plot(iterations, costs, 'o-')
    cost_ax.set(title='Cost (squared error)', xlabel='iteration')
    accuracy_ax.plot(iterations, accuracies, 'o-', color='C1')
    accuracy_ax.set(title='Accuracy', xlabel='iteration', ylim=(0, 1.02))
    for ax in (cost_ax, accuracy_ax):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=.3)
    figure.tight_layout()
    figure.savefig(path)
    return path


# --- the experiment --------------------------------------------------------------------------

@dataclasses.dataclass
class Result:
    costs: list            # cost returned by train, per iteration (before its update)
    accuracies: list       # accuracy of the output after each iteration's update
    output: np.ndarray     # the final network output, shape (1, N)
    X: np.ndarray
    y: np.ndarray
    network: Network
    plots: list            # paths of the PNGs written
    logdir: str = None
    first_iteration: int = 1   # above 1 when the run resumed from a checkpoint


def train_mlp(iterations=20, learning_rate=0.01, momentum=0.9, hidden=(4,), seed=0,
              n_points=1000, plot_dir=None, logdir=None, floatX=None, device=None,
              verbose=True, checkpoint_dir=None, checkpoint_every=1):
    '''Train the tutorial's MLP on the Gaussian clouds and return a `Result`.

    hidden: the hidden layer sizes (the tutorial's is twice the input size, 4).
    plot_dir: if set, the data, one scatter plot per iteration and a summary figure go
        there as PNGs. logdir: if set, TensorBoard logs (graph of train, scalars cost and
        accuracy, histograms of every shared variable; steps count from 1) go there.
    floatX, device: override tfgraph's config for the call (None keeps it).
    checkpoint_dir: if set, every shared variable is saved there every `checkpoint_every`
        iterations (the last 3 kept), and a run finding a checkpoint there resumes after
        its iteration; `costs` and `accuracies` then cover the iterations run now.
    '''
    hidden = [hidden] if isinstance(hidden, int) else list(hidden)
    with configured(floatX=floatX, device=device):
        floatX = theano.config.floatX
        rng = np.random.default_rng(seed)
        X, y = gaussian_clouds(rng, n_points)
        layer_sizes = [X.shape[0]] + hidden + [1]
        W_init, b_init, activations = initial_parameters(layer_sizes, rng)
        network = build_network(W_init, b_init, activations, learning_rate, momentum)
        # The labels are ints; the target is floatX (safe for float64, and no
        # downcast error when floatX is float32).
        X_in, y_in = X.astype(floatX), y.astype(floatX)

        plots = []
        if plot_dir is not None:
            os.makedirs(plot_dir, exist_ok=True)
            plots.append(plot_data(X, y, os.path.join(plot_dir, 'data.png')))
        log = None
        if logdir is not None:
            log = theano.tensorboard.SummaryLogger(fresh_logdir(logdir))
            log.graph(network.train)
        if verbose:
            print('MLP {} on {} points, learning rate {}, momentum {}, floatX {}'.format(
                '-'.join(map(str, layer_sizes)), n_points, learning_rate, momentum, floatX))
        checkpoints, done = None, 0
        if checkpoint_dir:
            checkpoints = theano.checkpoint.Checkpoints(network.shared_variables,
                                                        checkpoint_dir, max_to_keep=3)
            done = checkpoints.restore() or 0
            if done and verbose:
                print(f'resumed from {checkpoints.latest} after iteration {done}')

        costs, accuracies = [], []
        try:
            for iteration in range(done + 1, iterations + 1):
                current_cost = float(network.train(X_in, y_in))
                current_output = network.mlp_output(X_in)
                accuracy = accuracy_of(current_output, y)
                costs.append(current_cost)
                accuracies.append(accuracy)
                if verbose:
                    print(f'iteration {iteration:2d}/{iterations}  cost {current_cost:.4f}  '
                          f'accuracy {accuracy:.3f}')
                if plot_dir is not None:
                    plots.append(plot_output(
                        X, current_output, current_cost, accuracy,
                        os.path.join(plot_dir, f'iteration_{iteration:02d}.png')))
                if log is not None:
                    log.scalars(iteration, cost=current_cost, accuracy=accuracy)
                    histograms = network.shared_variables
                    log.histograms(iteration, histograms)
                if checkpoints is not None and (iteration % checkpoint_every == 0
                                                or iteration == iterations):
                    checkpoints.save(iteration)
        finally:
            if log is not None:
                log.close()
        output = network.mlp_output(X_in)
        if plot_dir is not None and costs:
            plots.append(plot_summary(X, y, output, costs, accuracies,
                                      os.path.join(plot_dir, 'summary.png'), done + 1))
    return Result(costs, accuracies, output, X, y, network, plots, logdir, done + 1)


def define_flags():
    '''The app's own flags; defined only when it runs as the program, so that
    ``python -m experiments`` can import every runner without clashing names.'''
    flags.DEFINE_integer('iterations', 20, 'training iterations (full-batch steps)')
    flags.DEFINE_float('learning_rate', 0.01, 'gradient descent step size')
    flags.DEFINE_float('momentum', 0.9, 'momentum, in [0, 1)')
    flags.DEFINE_list('hidden', ['4'], 'hidden layer sizes, comma-separated')
    flags.DEFINE_integer('seed', 0, 'seed of the NumPy Generator for data and weights')
    flags.DEFINE_integer('points', 1000, 'number of data points')
    flags.DEFINE_string('plot_dir', 'runs/plots/mlp_gaussian',
                        'directory for the PNGs (empty: no plots)')
    flags.DEFINE_string('logdir', 'runs/logs/mlp_gaussian',
                        'directory for TensorBoard logs (empty: no logs)')
    flags.DEFINE_string('checkpoint_dir', '',
                        'directory for checkpoints of every shared variable; a run finding '
                        'one there resumes from it (empty: no checkpoints)')
    flags.DEFINE_integer('checkpoint_every', 1, 'iterations between checkpoints')
    flags.adopt_module_key_flags(tfgraph.flags)  # list --floatX etc. in --help


def main(argv):
    check_no_arguments(argv)
    result = train_mlp(iterations=FLAGS.iterations, learning_rate=FLAGS.learning_rate,
                       momentum=FLAGS.momentum, hidden=[int(h) for h in FLAGS.hidden],
                       seed=FLAGS.seed, n_points=FLAGS.points,
                       plot_dir=FLAGS.plot_dir or None, logdir=FLAGS.logdir or None,
                       checkpoint_dir=FLAGS.checkpoint_dir or None,
                       checkpoint_every=FLAGS.checkpoint_every)
    if result.plots:
        print(f'plots: {FLAGS.plot_dir} ({len(result.plots)} PNGs)')
    if result.logdir:
        print('logs:  {}   view with: tensorboard --logdir {}'.format(
            result.logdir, os.path.dirname(os.path.normpath(result.logdir)) or '.'))


if __name__ == '__main__':
    define_flags()
    app.run(main)
