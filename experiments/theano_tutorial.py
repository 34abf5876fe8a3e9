"""Seed 001: every code cell of the Theano tutorial, in order, on tfgraph (Python 3).

Each cell's output comes after a header naming it (``In [3]:``), as in the notebook::

    $ python -m experiments.theano_tutorial
    In [3]: symbolic variables
    <class 'tfgraph.graph.TensorVariable'>
    TensorType(float64, scalar)
    (foo ** TensorConstant{2})
    ...

Cells 19-24 are the multi-layer perceptron: its classes live in ``experiments.mlp_gaussian``
(one copy of the code), and the cells here build and train it with the tutorial's settings.
The notebook's inline figures are saved as PNGs under ``--plot_dir``.

Flags: --plot_dir, --iterations (cell 24's max_iteration), --seed, and tfgraph's
--floatX --device --mode --xla.
"""
import os

import numpy as np
from absl import app, flags

import tfgraph as theano
import tfgraph.flags  # noqa: F401  (--floatX, --device, --mode, --xla)
import tfgraph.tensor as T
from experiments import mlp_gaussian
from experiments.common import check_no_arguments, restored_config

FLAGS = flags.FLAGS


def cell(number, title=''):
    print('\nIn [{}]:{}'.format(number, ' ' + title if title else ''))


def debug_message(error):
    '''What DebugMode's error says: all of a tfgraph error; of a raw TensorFlow error, only
    the line naming the op (the rest is TensorFlow's graph trace).'''
    text = str(error).strip()
    if type(error).__module__.startswith('tfgraph'):
        return text
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return next((line for line in lines if 'DebugMode' in line), lines[0] if lines else '')


def shown(function, *args, echo=True):
    '''Call `function` and print its result, as the cell does.

    The notebook ran with floatX=float64. Under another floatX (--floatX=float32), the
    cells that pass int64 arrays are refused, as Theano refused them: then print that
    error, as a notebook would show it, and go on to the next cell.
    '''
    try:
        result = function(*args)
    except TypeError as error:
        print(f'{type(error).__name__}: {error}')
        return None
    if echo:
        print(result)
    return result


def run_tutorial(plot_dir=None, iterations=20, seed=0):
    '''Run every cell of the tutorial, printing what it prints.

    The figures of cells 22 and 24 go to `plot_dir` as PNGs (drawn but not kept when it is
    None). Config changes the cells make (cell 17 sets floatX) are undone on return.
    Returns a dict of some of the values computed, for tests.
    '''
    results = {}
    with restored_config():
        cell(1, '%matplotlib inline')
        print("(figures are saved as PNG files, drawn with matplotlib's Agg backend)")

        cell(2, 'imports')
        print('(import numpy as np; import tfgraph as theano; import tfgraph.tensor as T)')

        cell(3, 'symbolic variables')
        foo = T.scalar('foo')
        bar = foo**2
        print(type(bar))
        print(bar.type)
        print(theano.pp(bar))
        results['pp'] = theano.pp(bar)

        cell(4, 'theano.function')
        f = theano.function([foo], bar)
        print(f(3))
        results['f(3)'] = f(3)

        cell(5, 'eval')
        print(bar.eval({foo: 3}))

        cell(6, 'Python functions build graphs')

        def square(x):
            return x**2
        bar = square(foo)
        print(bar.eval({foo: 3}))

        cell(7, 'vectors, matrices, several outputs, a default value')
        A = T.matrix('A')
        x = T.vector('x')
        b = T.vector('b')
        y = T.dot(A, x) + b
        z = T.sum(A**2)
        # The int64 default is refused when the function is built under float32, as
        # Theano's container refused it.
        linear_mix = shown(theano.function, [A, x, theano.Param(b, default=np.array([0, 0]))],
                           [y, z], echo=False)
        if linear_mix is not None:
            results['linear_mix'] = linear_mix(
                np.array([[1, 2, 3], [4, 5, 6]], dtype=theano.config.floatX),  # A
                np.array([1, 2, 3], dtype=theano.config.floatX),  # x
                np.array([4, 5], dtype=theano.config.floatX))  # b
            print(results['linear_mix'])
            results['linear_mix_default'] = shown(linear_mix,
                                                  np.array([[1, 2, 3], [4, 5, 6]]),  # A
                                                  np.array([1, 2, 3]))  # x

        cell(8, 'shared variables')
        shared_var = theano.shared(np.array([[1, 2], [3, 4]], dtype=theano.config.floatX))
        print(shared_var.type())

        cell(9, 'set_value and get_value')
        shared_var.set_value(np.array([[3, 4], [2, 1]], dtype=theano.config.floatX))
        print(shared_var.get_value())

        cell(10, 'shared variables are implicit inputs')
        shared_squared = shared_var**2
        function_1 = theano.function([], shared_squared)
        print(function_1())

        cell(11, 'updates')
        subtract = T.matrix('subtract')
        function_2 = theano.function([subtract], shared_var,
                                     updates={shared_var: shared_var - subtract})
        print("shared_var before subtracting [[1, 1], [1, 1]] using function_2:")
        print(shared_var.get_value())
        shown(function_2, np.array([[1, 1], [1, 1]]), echo=False)
        print("shared_var after calling function_2:")
        print(shared_var.get_value())
        print("New output of function_1() (shared_var**2):")
        print(function_1())
        results['shared_after'] = shared_var.get_value()

        cell(12, 'gradients')
        bar_grad = T.grad(bar, foo)
        results['bar_grad'] = bar_grad.eval({foo: 10})
        print('Out[12]: {}'.format(results['bar_grad']))

        cell(13, 'Jacobian')
        y_J = theano.gradient.jacobian(y, x)
        linear_mix_J = theano.function([A, x, b], y_J)
        results['jacobian'] = shown(linear_mix_J,
                                    np.array([[9, 8, 7], [4, 5, 6]]),  # A
                                    np.array([1, 2, 3]),  # x
                                    np.array([4, 5]))  # b

        cell(14, 'a division, and a NaN')
        num = T.scalar('num')
        den = T.scalar('den')
        divide = theano.function([num, den], num/den)
        print(divide(10, 2))
        results['0/0'] = divide(0, 0)
        print(results['0/0'])

        cell(15, "mode='DebugMode'")
        divide = theano.function([num, den], num/den, mode='DebugMode')
        try:
            print(divide(0, 0))
            results['debugmode_error'] = None
        except Exception as error:  # noqa: BLE001  (the point of the cell: show it)
            results['debugmode_error'] = error
            print(f'{type(error).__name__}: {debug_message(error)}')

        cell(16, 'configuration')
        print(theano.config.device)
        print(theano.config.floatX)

        cell(17, 'set floatX at run time')
        old_floatX = theano.config.floatX
        theano.config.floatX = 'float32'
        print("(theano.config.floatX = 'float32')")

        cell(18, 'the float64 trap')
        var = theano.shared(np.array([1.3, 2.4]))
        print(var.type())  # !!!
        results['trap'] = str(var.type())
        var = theano.shared(np.array([1.3, 2.4], dtype=theano.config.floatX))
        print(var.type())
        results['trap_fixed'] = str(var.type())
        theano.config.floatX = old_floatX

        cell(19, 'class Layer')
        Layer = mlp_gaussian.Layer  # noqa: F841
        print('(defined in experiments/mlp_gaussian.py)')

        cell(20, 'class MLP')
        MLP = mlp_gaussian.MLP
        print('(defined in experiments/mlp_gaussian.py)')

        cell(21, 'gradient_updates_momentum')
        gradient_updates_momentum = mlp_gaussian.gradient_updates_momentum
        print('(defined in experiments/mlp_gaussian.py)')

        cell(22, 'two Gaussian clouds')
        rng = np.random.default_rng(seed)  # np.random.seed(0)
        N = 1000
        X, y = mlp_gaussian.gaussian_clouds(rng, N)
        # The notebook ran with floatX=float64; under --floatX=float32, float64 data would
        # be refused by the float32 inputs (Theano's rule), so follow cell 18's advice.
        X_in, y_in = X.astype(theano.config.floatX), y.astype(theano.config.floatX)
        if plot_dir is not None:
            os.makedirs(plot_dir, exist_ok=True)
        path = os.path.join(plot_dir, 'data.png') if plot_dir else None
        _save(mlp_gaussian.plot_data, X, y, path=path)
        print(f'{N} points, {int(y.sum())} of class 1{_saved(path)}')

        cell(23, 'the network and its functions')
        layer_sizes = [X.shape[0], X.shape[0]*2, 1]
        W_init, b_init, activations = mlp_gaussian.initial_parameters(layer_sizes, rng)
        mlp = MLP(W_init, b_init, activations)
        mlp_input = T.matrix('mlp_input')
        mlp_target = T.vector('mlp_target')
        learning_rate = 0.01
        momentum = 0.9
        cost = mlp.squared_error(mlp_input, mlp_target)
        train = theano.function([mlp_input, mlp_target], cost,
                                updates=gradient_updates_momentum(cost, mlp.params,
                                                                  learning_rate, momentum))
        mlp_output = theano.function([mlp_input], mlp.output(mlp_input))
        print(f'layer sizes {layer_sizes}, learning rate {learning_rate}, momentum {momentum}')

        cell(24, f'training, {iterations} iterations')
        costs, accuracies = [], []
        iteration = 0
        max_iteration = iterations
        while iteration < max_iteration:
            current_cost = train(X_in, y_in)
            current_output = mlp_output(X_in)
            accuracy = np.mean((current_output > .5) == y)
            path = (os.path.join(plot_dir, f'iteration_{iteration + 1:02d}.png')
                    if plot_dir else None)
            _save(mlp_gaussian.plot_output, X, current_output, current_cost, accuracy,
                  path=path)
            print(f'Cost: {float(current_cost):.3f}, Accuracy: {accuracy:.3f}{_saved(path)}')
            costs.append(float(current_cost))
            accuracies.append(float(accuracy))
            iteration += 1
        results['costs'], results['accuracies'] = costs, accuracies
    return results


def _save(plot, *args, path):
    # Without a plot_dir the figure is still drawn, as the notebook would, then dropped.
    if path is not None:
        return plot(*args, path)
    import io
    return plot(*args, io.BytesIO())


def _saved(path):
    return f'  -> {path}' if path else ''


def define_flags():
    '''The app's own flags; defined only when it runs as the program, so that
    ``python -m experiments`` can import every runner without clashing names.'''
    flags.DEFINE_string('plot_dir', 'runs/plots/theano_tutorial',
                        'directory for the PNGs of cells 22 and 24 (empty: not saved)')
    flags.DEFINE_integer('iterations', 20, "cell 24's max_iteration")
    flags.DEFINE_integer('seed', 0, 'seed of the NumPy Generator of cells 22 and 23')
    flags.adopt_module_key_flags(tfgraph.flags)  # list --floatX etc. in --help


def main(argv):
    check_no_arguments(argv)
    run_tutorial(plot_dir=FLAGS.plot_dir or None, iterations=FLAGS.iterations,
                 seed=FLAGS.seed)


if __name__ == '__main__':
    define_flags()
    app.run(main)
