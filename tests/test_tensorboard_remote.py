"""TensorBoard event files read back by the tensorboard package; RemoteMonitor, local server."""

import http.server
import json
import sys
import threading
import urllib.parse

import numpy as np
import pytest

from polykeras import backend as K
from polykeras import callbacks, layers, optimizers
from polykeras.models import Sequential


@pytest.fixture
def numpy_backend():
    with K.use_backend("numpy"):
        yield


def _read(log_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    events = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "histograms": 0,
                                                           "images": 0, "tensors": 0})
    events.Reload()
    return events


def _data():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(12, 3)).astype("float32")
    y = (x @ np.array([[1.], [-2.], [0.5]]) + 0.3).astype("float32")
    return x, y


def test_tensorboard_scalars_histograms_graph(backend, tmp_path):
    x, y = _data()
    model = Sequential([layers.Dense(1, input_shape=(3,), name="linear")])
    model.compile(optimizers.SGD(lr=0.05), "mse")
    board = callbacks.TensorBoard(str(tmp_path), histogram_freq=1, write_grads=True,
                                  write_images=True, batch_size=5)
    history = model.fit(x, y, batch_size=4, epochs=2, validation_data=(x, y), verbose=0,
                        callbacks=[board])
    events = _read(tmp_path)
    tags = events.Tags()
    assert {"loss", "val_loss"} <= set(tags["scalars"])
    for name in ("loss", "val_loss"):
        scalars = events.Scalars(name)
        assert [s.step for s in scalars] == [0, 1]
        np.testing.assert_allclose([s.value for s in scalars], history.history[name], rtol=1e-6)

    kernel, bias = model.get_weights()  # the weights after the last epoch
    last = events.Histograms("linear/kernel")[-1]
    assert last.step == 1 and last.histogram_value.num == 3
    np.testing.assert_allclose([last.histogram_value.min, last.histogram_value.max],
                               [kernel.min(), kernel.max()], rtol=1e-6)
    np.testing.assert_allclose(last.histogram_value.sum, kernel.sum(), rtol=1e-5, atol=1e-6)
    outputs = events.Histograms("linear_out")[-1].histogram_value
    predictions = x @ kernel + bias
    assert outputs.num == 12
    np.testing.assert_allclose([outputs.min, outputs.max],
                               [predictions.min(), predictions.max()], rtol=1e-5)
    # the gradient of mean((x w + b - y)^2) over the validation data, by hand
    gradient = 2. / len(x) * x.T @ (predictions - y)
    grads = events.Histograms("linear/kernel_grad")[-1].histogram_value
    np.testing.assert_allclose([grads.min, grads.max], [gradient.min(), gradient.max()],
                               rtol=1e-4, atol=1e-6)
    picture = events.Images("linear/kernel")[-1]
    assert (picture.height, picture.width) == (3, 1)  # the (3, 1) kernel squeezed: a column

    nodes = {n.name: n for n in events.Graph().node}
    assert nodes["linear"].op == "Dense" and list(nodes["linear"].input) == ["linear_input"]
    assert [d.size for d in nodes["linear"].attr["_output_shapes"].list.shape[0].dim] == [-1, 1]
    summary = events.Tensors("model/summary")[0].tensor_proto.string_val[0].decode()
    assert "linear (Dense)" in summary and "Total params: 4" in summary


def test_tensorboard_per_batch_scalars_and_embeddings(tmp_path, numpy_backend):
    vocabulary = 7
    model = Sequential([layers.Embedding(vocabulary, 2, input_length=3, name="embedding"),
                        layers.Flatten(), layers.Dense(1)])
    model.compile("sgd", "mse")
    tokens = np.random.default_rng(1).integers(0, vocabulary, (10, 3))
    targets = np.zeros((10, 1), dtype="float32")
    board = callbacks.TensorBoard(str(tmp_path), update_freq="batch", write_graph=False,
                                  embeddings_freq=1, embeddings_data=tokens[:4],
                                  embeddings_metadata="labels.tsv")
    history = model.fit(tokens, targets, batch_size=4, epochs=1, verbose=0, callbacks=[board])
    steps = [s.step for s in _read(tmp_path).Scalars("loss")]
    assert steps == [4, 8, 10, 10]  # after each batch (samples seen), then the epoch
    assert _read(tmp_path).Scalars("loss")[-1].value == pytest.approx(history.history["loss"][0])
    table = model.get_layer("embedding").get_weights()[0]
    written = np.loadtxt(tmp_path / "embedding" / "tensors.tsv", delimiter="\t")
    np.testing.assert_allclose(written, table[tokens[:4]].reshape(4, -1), rtol=1e-6)
    from google.protobuf import text_format
    from tensorboard.plugins.projector import projector_config_pb2
    config = text_format.Parse((tmp_path / "projector_config.pbtxt").read_text(),
                               projector_config_pb2.ProjectorConfig())
    (embedding,) = config.embeddings
    assert (embedding.tensor_name, embedding.tensor_path, embedding.metadata_path) == (
        "embedding", "embedding/tensors.tsv", "labels.tsv")


def test_tensorboard_errors(tmp_path, monkeypatch, numpy_backend):
    with pytest.raises(ValueError, match="TensorBoard: Expected update_freq"):
        callbacks.TensorBoard(str(tmp_path), update_freq="sometimes")
    with pytest.raises(ValueError, match="embeddings_data must be provided"):
        callbacks.TensorBoard(str(tmp_path), embeddings_freq=1)
    with pytest.raises(ValueError, match="histogram_freq"):
        callbacks.TensorBoard(str(tmp_path), histogram_freq=-1)
    x, y = _data()
    model = Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    board = callbacks.TensorBoard(str(tmp_path), histogram_freq=1, write_grads=True)
    with pytest.raises(ValueError, match="write_grads needs validation data"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[board])
    monkeypatch.setitem(sys.modules, "tensorboard.summary.writer.event_file_writer", None)
    with pytest.raises(ImportError, match="pip install tensorboard"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.TensorBoard(str(tmp_path))])


# -- RemoteMonitor --------------------------------------------------------------------------

class _Recorder(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Content-Type"], body.decode()))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Recorder.received = []
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Recorder.received
    httpd.shutdown()
    httpd.server_close()


def test_remote_monitor_posts_epoch_logs(server, numpy_backend):
    root, received = server
    x, y = _data()
    model = Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    monitor = callbacks.RemoteMonitor(root=root, path="/epochs/")
    history = model.fit(x, y, epochs=2, verbose=0, validation_split=0.25, callbacks=[monitor])
    assert [r[:2] for r in received] == [("/epochs/", "application/x-www-form-urlencoded")] * 2
    for epoch, (_, _, body) in enumerate(received):
        sent = json.loads(urllib.parse.parse_qs(body)["data"][0])
        assert sent["epoch"] == epoch
        assert sent["loss"] == pytest.approx(history.history["loss"][epoch])
        assert sent["val_loss"] == pytest.approx(history.history["val_loss"][epoch])
    received.clear()
    as_json = callbacks.RemoteMonitor(root=root, send_as_json=True, headers={"X-Run": "7"})
    as_json.on_epoch_end(3, {"loss": np.float32(0.5), "acc": np.array(0.25)})
    (path, content_type, body), = received
    assert content_type == "application/json"
    assert json.loads(body) == {"epoch": 3, "loss": 0.5, "acc": 0.25}


def test_remote_monitor_warns_when_the_server_is_unreachable():
    import socket
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monitor = callbacks.RemoteMonitor(root=f"http://127.0.0.1:{port}", timeout=2)
    with pytest.warns(RuntimeWarning, match="could not reach RemoteMonitor root server"):
        monitor.on_epoch_end(0, {"loss": 1.0})
