"""``theano.tensor.nnet.sigm``: the sigmoid family, the same objects as
``theano.tensor.nnet``'s. The ``_inplace`` forms compute the same values
(computing in place is an optimisation TensorFlow makes itself); the
helpers reading products as trees (``parse_mul_tree``, ...) are Theano's
for its sigmoid rewrites."""
import numpy as np

from tfgraph.ops.elemwise import OPS
from tfgraph.tensor.arrays import NotScalarConstantError, get_scalar_constant_value
from tfgraph.tensor.nnet import (  # noqa: F401
    hard_sigmoid, scalar_sigmoid, sigmoid, softplus, ultra_fast_sigmoid
)

sigmoid_inplace = sigmoid
ultra_fast_sigmoid_inplace = ultra_fast_sigmoid

add, exp, mul, neg = OPS["add"], OPS["exp"], OPS["mul"], OPS["neg"]
# Theano's switch for its rewrite of 1 - sigmoid(x); tfgraph makes no such rewrite.
register_local_1msigmoid = False


# Multiplication trees, as Theano's sigmoid rewrites read products: a tree is
# [negated, leaf variable] or [negated, [subtrees]] (a product); a leaf of
# None is a factor of 1.

def is_neg(var):
    """``x`` if ``var`` is ``-x`` (a negation, or a product with a -1 factor)."""
    node = var.owner
    if node is None:
        return None
    if node.op == neg:
        return node.inputs[0]
    if node.op == mul:
        for position, factor in enumerate(node.inputs):
            try:
                minus_one = np.allclose(get_scalar_constant_value(factor), -1)
            except NotScalarConstantError:
                continue
            if minus_one and len(node.inputs) >= 2:
                rest = node.inputs[:position] + node.inputs[position + 1:]
                return rest[0] if len(rest) == 1 else mul(*rest)
    return None


def is_exp(var):
    """(False, x) if ``var`` is exp(x), (True, x) if -exp(x), else None."""
    negated = is_neg(var)
    inner = var if negated is None else negated
    if inner.owner is not None and inner.owner.op == exp:
        return negated is not None, inner.owner.inputs[0]
    return None


def is_mul(var):
    """The factors of ``var`` if it is a product, else None."""
    return var.owner.inputs if var.owner is not None and var.owner.op == mul else None


def is_1pexp(t, only_process_constants=True):
    """(False, x) if ``t`` is 1 + exp(x) (constants adding up to 1), else None."""
    if t.owner is None or t.owner.op != add:
        return None
    constants, rest = [], []
    for term in t.owner.inputs:
        try:
            constants.append(get_scalar_constant_value(
                term, only_process_constants=only_process_constants))
        except NotScalarConstantError:
            rest.append(term)
    if len(rest) == 1 and rest[0].owner is not None and rest[0].owner.op == exp \
            and constants and np.allclose(sum(constants), 1):
        return False, rest[0].owner.inputs[0]
    return None


def partition_num_or_denom(r, f):
    """(the x of the factors of ``r`` that ``f`` matches, the other factors,
    whether the matches negate)."""
    matched, rest, negated = [], [], False
    for factor in is_mul(r) or [r]:
        found = f(factor)
        if found is None:
            rest.append(factor)
        else:
            negated ^= found[0]
            matched.append(found[1])
    return matched, rest, negated


def parse_mul_tree(root):
    """The multiplication tree of ``root``."""
    factors = is_mul(root)
    if factors is not None:
        return [False, [parse_mul_tree(f) for f in factors]]
    negated = is_neg(root)
    if negated is None:
        return [False, root]
    sign, subtree = parse_mul_tree(negated)
    return [not sign, subtree]


def simplify_mul(tree):
    """``tree`` without factors of 1 or -1 (leaves of None) nor products of
    fewer than two factors."""
    negated, inputs = tree
    if not isinstance(inputs, list):
        return tree
    kept = []
    for subtree in map(simplify_mul, inputs):
        if subtree[1] is None:
            negated ^= subtree[0]
        else:
            kept.append(subtree)
    if not kept:
        return [negated, None]
    if len(kept) == 1:
        kept[0][0] ^= negated
        return kept[0]
    return [negated, kept]


def compute_mul(tree):
    """The variable computing ``tree``."""
    negated, inputs = tree
    if inputs is None:
        raise AssertionError("Function `compute_mul` found a missing leaf, did you forget to "
                             "call `simplify_mul` on the tree first?")
    value = mul(*map(compute_mul, inputs)) if isinstance(inputs, list) else inputs
    return -value if negated else value


def replace_leaf(arg, leaves, new_leaves, op, neg):
    """If a leaf of ``leaves`` (pairs (x, leaf)) has argument ``arg``: make
    it ``op(arg)``, negated if ``neg``, move it to ``new_leaves``; True then."""
    for position, (x, leaf) in enumerate(leaves):
        if x == arg:
            leaf[0] ^= neg
            leaf[1] = op(arg)
            new_leaves.append(leaves.pop(position))
            return True
    return False


def perform_sigm_times_exp(tree, exp_x=None, exp_minus_x=None, sigm_x=None,
                           sigm_minus_x=None, parent=None, child_idx=None, full_tree=None):
    """Rewrite ``tree`` in place, pairing factors exp(x) * sigmoid(-x) into
    sigmoid(x) and exp(-x) * sigmoid(x) into sigmoid(-x) (the second factor
    becomes a leaf of None). True if anything changed."""
    exp_x, exp_minus_x = [] if exp_x is None else exp_x, [] if exp_minus_x is None else exp_minus_x
    sigm_x = [] if sigm_x is None else sigm_x
    sigm_minus_x = [] if sigm_minus_x is None else sigm_minus_x
    full_tree = tree if full_tree is None else full_tree
    negated, inputs = tree
    if isinstance(inputs, list):
        changed = False
        for position, subtree in enumerate(inputs):
            changed |= perform_sigm_times_exp(subtree, exp_x, exp_minus_x, sigm_x,
                                              sigm_minus_x, tree, position, full_tree)
        return changed
    sigmoid_of_minus = lambda x: sigmoid(-x)  # noqa: E731
    found = is_exp(inputs)
    if found is not None:
        negated ^= found[0]
        arg = found[1]
        minus = is_neg(arg)
        keep = (not replace_leaf(arg, sigm_minus_x, sigm_x, sigmoid, negated)
                if minus is None else
                not replace_leaf(minus, sigm_x, sigm_minus_x, sigmoid_of_minus, negated))
        if keep:
            (exp_x if minus is None else exp_minus_x).append((arg if minus is None else minus,
                                                              tree))
    elif inputs.owner is not None and inputs.owner.op == sigmoid:
        arg = inputs.owner.inputs[0]
        minus = is_neg(arg)
        keep = (not replace_leaf(arg, exp_minus_x, sigm_minus_x, sigmoid_of_minus, negated)
                if minus is None else not replace_leaf(minus, exp_x, sigm_x, sigmoid, negated))
        if keep:
            (sigm_x if minus is None else sigm_minus_x).append((arg if minus is None else minus,
                                                                tree))
    else:
        keep = True
    if not keep:
        parent[1][child_idx] = [False, None]
    return not keep
