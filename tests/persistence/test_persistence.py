"""Pickling and copying graphs, shared variables, compiled functions and the
objects that hold them (tfgraph.persist)."""
import copy
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph import persist

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class LogisticRegression:
    """The classic model object: W, b shared, p_y_given_x, y_pred, input."""

    def __init__(self, input, n_in, n_out):
        self.W = theano.shared(np.zeros((n_in, n_out), dtype=theano.config.floatX), name="W")
        self.b = theano.shared(np.zeros(n_out, dtype=theano.config.floatX), name="b")
        self.p_y_given_x = T.nnet.softmax(T.dot(input, self.W) + self.b)
        self.y_pred = T.argmax(self.p_y_given_x, axis=1)
        self.params = [self.W, self.b]
        self.input = input

    def negative_log_likelihood(self, y):
        return -T.mean(T.log(self.p_y_given_x)[T.arange(y.shape[0]), y])


def _data(n=40, n_in=5, n_out=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_in))
    y = rng.integers(0, n_out, n).astype("int32")
    return X, y


def _trained_classifier(steps=5):
    x, y = T.matrix("x"), T.ivector("y")
    clf = LogisticRegression(x, 5, 3)
    cost = clf.negative_log_likelihood(y)
    updates = [(p, p - 0.5 * T.grad(cost, p)) for p in clf.params]
    train = theano.function([x, y], cost, updates=updates, name="train")
    X, Y = _data()
    for _ in range(steps):
        train(X, Y)
    return clf, train, (X, Y)


def test_logistic_regression_model_round_trips_and_predicts_the_same():
    clf, _, (X, _) = _trained_classifier()
    expected = theano.function([clf.input], clf.y_pred)(X)
    expected_p = theano.function([clf.input], clf.p_y_given_x)(X)
    loaded = pickle.loads(pickle.dumps(clf))
    assert loaded.W is not clf.W
    np.testing.assert_array_equal(loaded.W.get_value(), clf.W.get_value())
    predict = theano.function([loaded.input], loaded.y_pred)
    np.testing.assert_array_equal(predict(X), expected)
    assert len(set(expected)) > 1  # a trained model, not a constant prediction
    np.testing.assert_allclose(theano.function([loaded.input], loaded.p_y_given_x)(X),
                               expected_p)
    # The loaded graph reads the loaded W: changing it changes the prediction.
    loaded.W.set_value(np.zeros_like(loaded.W.get_value()))
    loaded.b.set_value(np.array([0.0, 1.0, 0.0]))
    assert (predict(X) == 1).all()


def test_training_function_pickles_and_keeps_training_where_it_left_off():
    clf, train, (X, Y) = _trained_classifier(steps=3)
    loaded_clf, loaded_train = pickle.loads(pickle.dumps((clf, train)))
    # Identity within the pickle: the loaded function updates the loaded W.
    assert {id(v) for v in loaded_train.shared_variables} == {id(loaded_clf.W), id(loaded_clf.b)}
    before = clf.W.get_value()
    continued = [float(train(X, Y)) for _ in range(4)]
    resumed = [float(loaded_train(X, Y)) for _ in range(4)]
    np.testing.assert_allclose(resumed, continued, rtol=1e-12)
    assert continued[0] > continued[-1]  # it is still learning
    np.testing.assert_allclose(loaded_clf.W.get_value(), clf.W.get_value(), rtol=1e-12)
    assert not np.allclose(clf.W.get_value(), before)
    assert loaded_train.name == "train" and loaded_train.mode.name == train.mode.name


def test_graphs_sharing_a_shared_variable_still_share_it_after_loading():
    W = theano.shared(np.array([1.0, 2.0]), name="W")
    x = T.vector("x")
    first, second = (x * W).sum(), T.exp(W).mean()
    step = theano.function([x], first, updates=[(W, W + x)])
    loaded_first, loaded_second, loaded_step, loaded_W = pickle.loads(
        pickle.dumps((first, second, step, W)))
    [in_first] = [v for v in theano.graph.graph_inputs([loaded_first])
                  if isinstance(v, theano.SharedVariable)]
    [in_second] = [v for v in theano.graph.graph_inputs([loaded_second])
                   if isinstance(v, theano.SharedVariable)]
    assert in_first is in_second is loaded_W
    loaded_step([1.0, 1.0])
    np.testing.assert_array_equal(loaded_W.get_value(), [2.0, 3.0])
    np.testing.assert_array_equal(W.get_value(), [1.0, 2.0])  # the original is untouched
    x_loaded = next(v for v in theano.graph.graph_inputs([loaded_first]) if v.name == "x")
    assert float(theano.function([x_loaded], loaded_first)([1.0, 1.0])) == 5.0


def test_deepcopy_of_an_object_holding_a_function_copies_its_shared_variables():
    W = theano.shared(np.float64(1.0), name="W")
    holder = {"W": W, "inc": theano.function([], W, updates=[(W, W + 1)])}
    copied = copy.deepcopy(holder)
    assert copied["W"] is not W and copied["W"].variable is not W.variable
    assert float(copied["inc"]()) == 1.0 and float(copied["inc"]()) == 2.0
    assert float(copied["W"].get_value()) == 3.0
    assert float(W.get_value()) == 1.0
    # A deepcopy of the shared variable alone is independent of it.
    alone = copy.deepcopy(W)
    alone.set_value(np.float64(7.0))
    assert float(W.get_value()) == 1.0 and alone.name == "W" and alone.type == W.type
    # copy.copy of a function: a new function on the same shared variables.
    shallow = copy.copy(holder["inc"])
    shallow()
    assert float(W.get_value()) == 2.0


def test_function_keeps_mode_names_defaults_givens_and_output_structure():
    x, y, z = T.dscalar("x"), T.dscalar("y"), T.dvector("z")
    scale = theano.shared(np.float64(3.0), name="scale")
    counter = theano.shared(np.int64(0), name="counter")
    counter.default_update = counter + 1
    f = theano.function([x, theano.In(y, value=10.0, name="why")],
                        {"total": x + y * scale, "stacked": T.stack([x, y]), "count": counter},
                        givens=[(scale, scale * 2)], mode="FAST_COMPILE", name="mine",
                        allow_input_downcast=True)
    g = theano.function([z], z.sum(), mode=theano.compile.NanGuardMode(True, True, True))
    loaded_f, loaded_g, loaded_counter = pickle.loads(pickle.dumps((f, g, counter)))
    assert loaded_f.name == "mine" and loaded_f.mode.eager
    assert isinstance(loaded_g.mode, theano.compile.NanGuardMode)
    out = loaded_f(np.float32(1), why=2)
    assert out["total"] == 13.0 and list(out["stacked"]) == [1.0, 2.0] and out["count"] == 0
    assert loaded_f(1.0)["total"] == 61.0  # the default of y, and scale doubled by givens
    # The default update counts the loaded counter's calls, not the original's.
    assert int(loaded_counter.get_value()) == 2 and int(counter.get_value()) == 0
    with pytest.raises(theano.compile.NanGuardError):
        loaded_g([np.inf])
    with pytest.raises(TypeError, match='name "why"'):
        loaded_f(1.0, why="text")


def test_elementwise_ops_load_as_the_same_objects():
    z = T.dvector("z")
    p = T.nnet.sigmoid(z)
    loaded = pickle.loads(pickle.dumps(p))
    assert loaded.owner.op is T.nnet.sigmoid
    # So what recognises sigmoid outputs still does: the stable crossentropy.
    t = T.dvector("t")
    z_loaded = loaded.owner.inputs[0]
    cost = T.nnet.binary_crossentropy(loaded, t)
    assert cost.owner.op is theano.tensor.nnet.OPS["sigmoid_binary_crossentropy"]
    value = theano.function([z_loaded, t], cost)([800.0], [0.0])
    assert np.isfinite(value).all() and value[0] == pytest.approx(800.0)


def test_variables_keep_their_types_when_floatX_changes(floatX):
    floatX("float64")
    x = T.matrix("x")
    W = theano.shared(np.ones((2, 2)), name="W")
    out = T.dot(x, W) * 0.5
    data = pickle.dumps((x, W, out))
    floatX("float32")
    x2, W2, out2 = pickle.loads(data)
    assert (x2.dtype, W2.dtype, out2.dtype) == ("float64", "float64", "float64")
    assert T.matrix().dtype == "float32"


def test_a_pickle_of_a_newer_format_or_cut_short_raises_and_builds_nothing(monkeypatch):
    W = theano.shared(np.arange(3.0), name="W")
    f = theano.function([], W * 2, name="double")
    good = pickle.dumps((W, f))
    monkeypatch.setattr(persist, "FORMAT", persist.FORMAT + 1)
    newer = pickle.dumps((W, f))
    monkeypatch.undo()
    with pytest.raises(persist.PickleFormatError, match="shared variable 'W'.*format 2"):
        pickle.loads(newer)
    with pytest.raises((pickle.UnpicklingError, EOFError)):
        pickle.loads(good[:len(good) // 2])
    W2, f2 = pickle.loads(good)
    np.testing.assert_array_equal(f2(), [0.0, 2.0, 4.0])


def test_eval_caches_are_not_pickled():
    x = T.dscalar("x")
    y = x * 2
    assert float(y.eval({x: 2.0})) == 4.0
    loaded = pickle.loads(pickle.dumps(y))
    assert "_eval_cache" not in loaded.__dict__
    x2 = loaded.owner.inputs[0]
    assert float(loaded.eval({x2: 3.0})) == 6.0


def test_loading_in_a_fresh_process_with_another_floatX(tmp_path):
    floatX_before = theano.config.floatX
    theano.config.floatX = "float64"
    clf, train, (X, Y) = _trained_classifier(steps=2)
    theano.config.floatX = floatX_before
    path = tmp_path / "model.pkl"
    with open(path, "wb") as f:
        pickle.dump((clf, train), f)
    expected_pred = theano.function([clf.input], clf.y_pred)(X)
    expected_cost = float(train(X, Y))
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "Y.npy", Y)
    script = textwrap.dedent(f"""
        import pickle, numpy as np
        import tfgraph as theano
        assert theano.config.floatX == "float32"
        with open({str(path)!r}, "rb") as f:
            clf, train = pickle.load(f)
        X, Y = np.load({str(tmp_path / 'X.npy')!r}), np.load({str(tmp_path / 'Y.npy')!r})
        print(clf.W.dtype, clf.input.dtype, clf.p_y_given_x.dtype)
        print(" ".join(map(str, theano.function([clf.input], clf.y_pred)(X))))
        print(repr(float(train(X, Y))))
    """)
    # The model's class must be importable where it loads, as with any pickle.
    path_entries = os.pathsep.join([ROOT, os.path.dirname(os.path.abspath(__file__))])
    env = dict(os.environ, THEANO_FLAGS="floatX=float32", PYTHONPATH=path_entries,
               TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    dtypes_line, pred_line, cost_line = done.stdout.strip().splitlines()[-3:]
    assert dtypes_line == "float64 float64 float64"
    assert pred_line.split() == [str(v) for v in expected_pred]
    assert float(cost_line) == pytest.approx(expected_cost, rel=1e-12)


# --- theano.misc.pkl_utils ------------------------------------------------------------------

def test_pkl_utils_dump_stores_arrays_apart_and_loads_back(tmp_path):
    from tfgraph.misc import pkl_utils
    clf, train, (X, Y) = _trained_classifier(steps=2)
    other_W = theano.shared(np.arange(4.0), name="W")
    path = tmp_path / "model.zip"
    with open(path, "wb") as f:
        pkl_utils.dump((clf, train, other_W, np.array([7, 8])), f)
    stored = np.load(path)
    assert {"W", "W_2", "b", "pkl"} <= set(stored.files)
    # Every other array (constants of the graphs too) is an array_<n> member.
    others = [name for name in stored.files if name not in ("W", "W_2", "b", "pkl")]
    assert all(name.startswith("array_") for name in others)
    assert any(np.array_equal(stored[name], [7, 8]) for name in others)
    np.testing.assert_array_equal(stored["W"], clf.W.get_value())
    np.testing.assert_array_equal(stored["W_2"], np.arange(4.0))
    with open(path, "rb") as f:
        loaded_clf, loaded_train, loaded_other, array = pkl_utils.load(f)
    np.testing.assert_array_equal(array, [7, 8])
    np.testing.assert_array_equal(loaded_other.get_value(), np.arange(4.0))
    assert float(loaded_train(X, Y)) == pytest.approx(float(train(X, Y)), rel=1e-12)
    np.testing.assert_allclose(loaded_clf.W.get_value(), clf.W.get_value(), rtol=1e-12)
    # A later plain pickle reads the variable's value then, not one kept from the dump.
    clf.W.set_value(np.ones_like(clf.W.get_value()))
    assert (pickle.loads(pickle.dumps(clf.W)).get_value() == 1).all()


def test_pkl_utils_rejects_truncated_files_and_names_options(tmp_path):
    from tfgraph.misc import pkl_utils
    path = tmp_path / "model.zip"
    W = theano.shared(np.ones(3), name="W")
    with open(path, "wb") as f:
        pkl_utils.dump([W, theano.shared(np.zeros(2), name="W")], f)
    data = path.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[:len(data) - 30])
    with pytest.raises(persist.CorruptPickleError, match="cut.zip.*truncated"):
        pkl_utils.load(str(cut))
    with pytest.raises(ValueError, match="multiple shared variables with the name `W`"):
        with open(tmp_path / "dup.zip", "wb") as f:
            pkl_utils.dump([W, theano.shared(np.zeros(2), name="W")], f,
                           persistent_id=lambda z: pkl_utils.PersistentSharedVariableID(
                               z, allow_duplicates=False))


def test_strip_pickler_leaves_out_debugging_tags_without_changing_the_graph():
    import io
    from tfgraph.misc.pkl_utils import StripPickler
    x = T.dvector("x")
    y = x * 2
    y.tag.trace = ["a traceback"]
    y.tag.test_value = np.ones(2)
    y.tag.note = "kept"
    buffer = io.BytesIO()
    StripPickler(buffer, protocol=-1).dump(dict(inputs=[x], outputs=y))
    loaded = pickle.loads(buffer.getvalue())
    tags = {k: v for k, v in vars(loaded["outputs"].tag).items() if not k.startswith("_")}
    assert tags == {"note": "kept"}
    assert y.tag.trace == ["a traceback"]  # the original keeps its tags
    assert float(theano.function(loaded["inputs"], loaded["outputs"].sum())([1, 2])) == 6.0


def test_deep_graphs_pickle_and_deep_copy():
    x = T.dvector("x")
    y = x
    for _ in range(300):  # 600 nodes deep, as an unrolled recurrence
        y = T.tanh(y) * 1.5
    loaded = pickle.loads(pickle.dumps(y))
    copied = copy.deepcopy(y)
    assert len(theano.graph.toposort([loaded])) == len(theano.graph.toposort([copied])) == 600
