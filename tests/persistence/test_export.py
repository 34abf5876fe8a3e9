"""SavedModel export of compiled functions (tfgraph.export), served by plain TensorFlow."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tfgraph as theano
import tfgraph.tensor as T
from tfgraph._tf import tf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _classifier():
    rng = np.random.default_rng(1)
    x, y = T.matrix("x"), T.ivector("y")
    W = theano.shared(rng.standard_normal((4, 3)), name="W")
    b = theano.shared(np.zeros(3), name="b")
    p_y_given_x = T.nnet.softmax(T.dot(x, W) + b)
    p_y_given_x.name = "p_y_given_x"
    y_pred = T.argmax(p_y_given_x, axis=1)
    y_pred.name = "y_pred"
    cost = -T.mean(T.log(p_y_given_x)[T.arange(y.shape[0]), y])
    cost.name = "cost"
    updates = [(W, W - 0.3 * T.grad(cost, W)), (b, b - 0.3 * T.grad(cost, b))]
    return x, y, W, b, p_y_given_x, y_pred, cost, updates


def test_saved_model_serves_in_plain_tensorflow_without_tfgraph(tmp_path):
    x, y, W, b, p_y_given_x, y_pred, cost, updates = _classifier()
    predict = theano.function([x], [p_y_given_x, y_pred])
    train = theano.function([x, y], cost, updates=updates, name="train")
    predict.export_saved_model(tmp_path / "predict")
    assert train.export_saved_model(tmp_path / "train", include_updates=True) == [
        "serving_default", "train"]
    rng = np.random.default_rng(2)
    batches = [rng.standard_normal((n, 4)) for n in (1, 9)]
    labels = rng.integers(0, 3, 9).astype("int32")
    np.save(tmp_path / "labels.npy", labels)
    for i, batch in enumerate(batches):
        np.save(tmp_path / f"batch{i}.npy", batch)
    script = textwrap.dedent(f"""
        import json, sys
        import numpy as np
        import tensorflow as tf
        root = {str(tmp_path)!r}
        served = tf.saved_model.load(root + "/predict")
        serve = served.signatures["serving_default"]
        results = {{"inputs": sorted(serve.structured_input_signature[1]),
                    "outputs": sorted(serve.structured_outputs)}}
        for i in range(2):
            out = serve(x=tf.constant(np.load(root + f"/batch{{i}}.npy")))
            results[f"p{{i}}"] = out["p_y_given_x"].numpy().tolist()
            results[f"pred{{i}}"] = out["y_pred"].numpy().tolist()
        trained = tf.saved_model.load(root + "/train")
        batch, labels = np.load(root + "/batch1.npy"), np.load(root + "/labels.npy")
        results["cost_serving"] = float(trained.signatures["serving_default"](
            x=tf.constant(batch), y=tf.constant(labels))["cost"])
        step = trained.signatures["train"]
        results["costs"] = [float(step(x=tf.constant(batch), y=tf.constant(labels))["cost"])
                            for _ in range(3)]
        results["variables"] = {{name: v.numpy().tolist()
                                for name, v in trained.shared_variables.items()}}
        results["tfgraph_imported"] = any(m.startswith("tfgraph") for m in sys.modules)
        print(json.dumps(results))
    """)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=str(tmp_path), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert results["tfgraph_imported"] is False
    assert results["inputs"] == ["x"] and results["outputs"] == ["p_y_given_x", "y_pred"]
    for i, batch in enumerate(batches):
        p, pred = predict(batch)
        np.testing.assert_allclose(results[f"p{i}"], p, rtol=1e-12)
        assert results[f"pred{i}"] == pred.tolist()
    # Serving computes the cost and changes nothing; the train signature steps.
    assert results["cost_serving"] == pytest.approx(float(train(batches[1], labels)), rel=1e-12)
    expected = [float(train(batches[1], labels)) for _ in range(2)]
    assert results["costs"][0] == pytest.approx(results["cost_serving"], rel=1e-12)
    np.testing.assert_allclose(results["costs"][1:], expected, rtol=1e-10)
    names = results["variables"]
    np.testing.assert_allclose(names["W"], W.get_value(), rtol=1e-10)
    np.testing.assert_allclose(names["b"], b.get_value(), rtol=1e-10)


def test_saved_model_serves_batch_sizes_other_than_the_traced_one(tmp_path):
    x, y, W, b, p_y_given_x, y_pred, cost, updates = _classifier()
    f = theano.function([theano.In(x, name="features")], {"probabilities": p_y_given_x})
    f.export_saved_model(tmp_path, signature_name="predict")
    served = tf.saved_model.load(str(tmp_path))
    assert list(served.signatures) == ["predict"]
    for n in (1, 2, 17, 64):
        batch = np.random.default_rng(n).standard_normal((n, 4))
        out = served.signatures["predict"](features=tf.constant(batch))
        np.testing.assert_allclose(out["probabilities"].numpy(), f(batch)["probabilities"],
                                   rtol=1e-12)
    # The served variables are the shared variables' values at export time.
    W.set_value(np.zeros((4, 3)))
    served_W = served.shared_variables["W"]
    assert not np.allclose(served_W.numpy(), 0)


def test_export_rejects_what_it_cannot_name(tmp_path):
    x, y, W, b, p_y_given_x, y_pred, cost, updates = _classifier()
    with pytest.raises(ValueError, match="no updates"):
        theano.function([x], y_pred).export_saved_model(tmp_path / "a", include_updates=True)
    twice = T.exp(x)
    twice.name = "y_pred"
    with pytest.raises(ValueError, match="several outputs named \\['y_pred'\\]"):
        theano.function([x], [y_pred, twice]).export_saved_model(tmp_path / "b")
    assert not (tmp_path / "b").exists()
