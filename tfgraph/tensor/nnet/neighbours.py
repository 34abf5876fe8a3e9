"""``theano.tensor.nnet.neighbours``: sliding windows of images as rows."""
from tfgraph.ops.pool import Images2Neibs, Neibs2Images


def images2neibs(ten4, neib_shape, neib_step=None, mode="valid"):
    """The (r, c) windows of each image of 4-d ``ten4``, stepping by
    ``neib_step`` (default: ``neib_shape``), as rows of a matrix;
    ``mode`` 'valid', 'ignore_borders', 'half', 'full' or 'wrap_centered'."""
    return Images2Neibs(mode)(ten4, neib_shape, neib_step)


def neibs2images(neibs, neib_shape, original_shape, mode="valid"):
    """The images that ``images2neibs`` (non-overlapping windows) made ``neibs`` from."""
    return Neibs2Images(mode)(neibs, neib_shape, original_shape)
