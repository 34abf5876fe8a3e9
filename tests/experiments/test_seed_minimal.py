"""The seed's minimal training script (seeds/000_*.txt), ported to Python 3 and
tfgraph by changing only the import, print and xrange; it prints ten values."""
import numpy

import tfgraph as theano  # the seed's `import theano`; theano.tensor comes with it

SEED_OUTPUT = [0.9, 8.54, 13.124, 15.8744, 17.52464, 18.514784, 19.1088704, 19.46532224,
               19.679193344, 19.8075160064]


def run_seed_script():
    x = theano.tensor.fvector('x')
    target = theano.tensor.fscalar('target')

    W = theano.shared(numpy.asarray([0.2, 0.7]), 'W')
    y = (x * W).sum()

    cost = theano.tensor.sqr(target - y)
    gradients = theano.tensor.grad(cost, [W])
    W_updated = W - (0.1 * gradients[0])
    updates = [(W, W_updated)]

    f = theano.function([x, target], y, updates=updates)

    outputs = []
    for i in range(10):
        output = f([1.0, 1.0], 20.0)
        outputs.append(output)
    return outputs, W, f


def test_seed_prints_the_ten_values():
    outputs, _, _ = run_seed_script()
    assert len(outputs) == 10
    for got, expected in zip(outputs, SEED_OUTPUT):
        assert abs(float(got) - expected) <= 1e-9, (got, expected)


def test_seed_output_types_and_state():
    outputs, W, f = run_seed_script()
    # float32 x times float64 W: the output is a 0-d float64 array, printed as the seed shows.
    assert all(isinstance(o, numpy.ndarray) and o.shape == () and o.dtype == numpy.float64
               for o in outputs)
    assert [f"{float(o):.12g}" for o in outputs] == [repr(v) for v in SEED_OUTPUT]
    assert W.get_value().dtype == numpy.float64
    # Each step moves W by 0.1 * 2 * (20 - y) per weight; after ten steps y is the 11th value.
    assert abs(W.get_value().sum() - 19.88450960384) <= 1e-9
    assert f.trace_count == 1
