"""utils.model_to_dot / plot_model (the pydot graph, without rendering) and Model.to_yaml."""

import os
import sys

import numpy as np
import pytest

from polykeras import layers
from polykeras.engine.input_layer import Input
from polykeras.models import Model, Sequential, model_from_json, model_from_yaml
from polykeras.utils import model_to_dot, plot_model


def _mlp():
    return Sequential([layers.Dense(3, input_shape=(4,), activation="relu", name="hidden"),
                       layers.Dense(2, activation="softmax", name="out")], name="mlp")


def _graph(dot):
    """{node name: label} and the list of (source, target) names of a pydot graph, clusters too."""
    labels, edges = {}, [(e.get_source(), e.get_destination()) for e in dot.get_edges()]
    stack = [dot]
    while stack:
        graph = stack.pop()
        for node in graph.get_nodes():
            if node.get_name() not in ("node", "edge", "graph"):
                labels[node.get_name()] = node.get_label().strip('"')
        stack += graph.get_subgraphs()
    return labels, edges


def test_model_to_dot_of_a_sequential_model(backend):
    model = _mlp()
    labels, edges = _graph(model_to_dot(model))
    by_label = {label: name for name, label in labels.items()}
    assert set(by_label) == {"hidden_input: InputLayer", "hidden: Dense", "out: Dense"}
    assert edges == [(by_label["hidden_input: InputLayer"], by_label["hidden: Dense"]),
                     (by_label["hidden: Dense"], by_label["out: Dense"])]
    labels, _ = _graph(model_to_dot(model, show_shapes=True, show_layer_names=False))
    assert sorted(labels.values()) == sorted([
        "InputLayer\n|{input:|output:}|{{(None, 4)}|{(None, 4)}}",
        "Dense\n|{input:|output:}|{{(None, 4)}|{(None, 3)}}",
        "Dense\n|{input:|output:}|{{(None, 3)}|{(None, 2)}}"])
    dot = model_to_dot(model, rankdir="LR")
    assert dot.get("rankdir") == "LR" and dot.get("dpi") == 96


def test_model_to_dot_of_a_branching_model_with_a_nested_model():
    a = Input((4,), name="a")
    left, right = layers.Dense(2, name="left")(a), layers.Dense(2, name="right")(a)
    merged = layers.Concatenate(name="merge")([left, right])
    inner = _mlp()
    model = Model(a, inner(merged), name="outer")
    labels, edges = _graph(model_to_dot(model))
    named = {label.split(":")[0]: name for name, label in labels.items()}
    assert set(named) == {"a", "left", "right", "merge", "mlp"}
    assert labels[named["mlp"]] == "mlp: Sequential"
    assert sorted(edges) == sorted([(named["a"], named["left"]), (named["a"], named["right"]),
                                    (named["left"], named["merge"]),
                                    (named["right"], named["merge"]),
                                    (named["merge"], named["mlp"])])
    dot = model_to_dot(model, expand_nested=True)
    labels, edges = _graph(dot)
    named = {label.split(":")[0]: name for name, label in labels.items()}
    assert "mlp" not in named and {"hidden_input", "hidden", "out"} <= set(named)
    (cluster,) = dot.get_subgraphs()
    assert cluster.get("label") == "mlp" and cluster.get("style") == "dashed"
    assert {n.get_name() for n in cluster.get_nodes()} == {named["hidden_input"],
                                                           named["hidden"], named["out"]}
    assert (named["merge"], named["hidden_input"]) in edges
    assert (named["hidden"], named["out"]) in edges


def test_plot_model_writes_dot_source_without_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` program reachable
    path = tmp_path / "model.dot"
    assert plot_model(_mlp(), to_file=str(path), show_shapes=True) is None
    source = path.read_text()
    assert source.startswith("digraph G {") and source.count(" -> ") == 2
    assert "hidden: Dense" in source and "(None, 3)" in source
    with pytest.raises(OSError, match="plot_model: Graphviz's `dot` program was not found"):
        plot_model(_mlp(), to_file=str(tmp_path / "model.png"))
    assert not os.path.exists(tmp_path / "model.png")


def test_plot_errors(monkeypatch):
    with pytest.raises(ValueError, match="model_to_dot: Expected rankdir"):
        model_to_dot(_mlp(), rankdir="UP")
    unbuilt = Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="model_to_dot: Model 'sequential_.*' is not built yet"):
        model_to_dot(unbuilt)

    class Subclassed(Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    with pytest.raises(ValueError,
                       match="model_to_dot: Expected a Sequential or functional.*subclassed"):
        model_to_dot(Subclassed())
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match="model_to_dot requires pydot.*pip install pydot"):
        model_to_dot(_mlp())


# -- YAML -----------------------------------------------------------------------------------

def test_yaml_round_trip(backend):
    a = Input((4,), name="a")
    out = layers.Dense(2, name="out")(layers.Dense(3, activation="tanh", name="h")(a))
    for model in (_mlp(), Model(a, out, name="functional")):
        text = model.to_yaml(default_flow_style=False)
        assert "!!python" not in text and "class_name: " in text
        clone = model_from_yaml(text)
        assert type(clone) is type(model)
        assert clone.get_config() == model_from_json(model.to_json()).get_config()
        clone.set_weights(model.get_weights())
        x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
        np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)


def test_model_from_yaml_uses_the_safe_loader(tmp_path, monkeypatch):
    import yaml
    marker = tmp_path / "ran"
    hostile = f"!!python/object/apply:os.system ['touch {marker}']"
    with pytest.raises(yaml.constructor.ConstructorError):
        model_from_yaml(hostile)
    assert not marker.exists()
    with pytest.raises(ValueError, match="model_from_yaml: Expected a YAML mapping"):
        model_from_yaml("- just\n- a list\n")
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(ImportError, match="to_yaml requires PyYAML.*pip install pyyaml"):
        _mlp().to_yaml()
    with pytest.raises(ImportError, match="model_from_yaml requires PyYAML"):
        model_from_yaml("class_name: Sequential")
