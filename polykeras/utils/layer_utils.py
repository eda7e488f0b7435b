"""Layer helpers (Keras 2.2's ``keras.utils.layer_utils``): parameter counts and ``summary``."""

from __future__ import annotations

import numpy as np

from .. import backend as K


def count_params(weights):
    """The number of scalars in ``weights`` (each distinct variable counted once)."""
    seen, total = set(), 0
    for w in weights:
        if id(w) in seen:
            continue
        seen.add(id(w))
        total += int(np.prod(K.int_shape(w), dtype=np.int64))
    return total


def _is_sequential_like(model):
    """Whether the model is a plain chain of single-input layers (then no "Connected to" column)."""
    if type(model).__name__ == "Sequential" or not getattr(model, "_is_graph_network", False):
        return True
    nodes = []
    for depth_nodes in model._nodes_by_depth.values():
        if len(depth_nodes) > 1 or (len(depth_nodes) == 1 and len(depth_nodes[0].inbound_layers) > 1):
            return False
        nodes += depth_nodes
    node_ids = {id(n) for n in nodes}
    for layer in model.layers:
        if sum(1 for node in layer._inbound_nodes if id(node) in node_ids) > 1:
            return False  # a layer shared inside the model
    return True


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """Print a model's layer table and parameter counts, as Keras 2.2 does.

    Columns: ``Layer (type)``, ``Output Shape``, ``Param #`` and, for models
    that are not a plain chain of layers, ``Connected to``
    (``layer[node][tensor]``). Then ``Total params``, ``Trainable params``
    and ``Non-trainable params`` (trainable as of the last ``compile``).

    Args:
        line_length: total width (default 65, or 98 with "Connected to").
        positions: right edge of each column, as fractions of the width or
            absolute positions.
        print_fn: called with each line (default ``print``).
    """
    print_fn = print_fn or print
    sequential_like = _is_sequential_like(model)
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [.45, .85, 1.]
        headers = ["Layer (type)", "Output Shape", "Param #"]
        relevant_nodes = None
    else:
        line_length = line_length or 98
        positions = positions or [.33, .55, .67, 1.]
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        relevant_nodes = {id(n) for nodes in model._nodes_by_depth.values() for n in nodes}
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    def print_row(fields):
        line = ""
        for i, field in enumerate(fields):
            if i > 0:
                line = line[:-1] + " "
            line += str(field)
            line = line[:positions[i]]
            line += " " * (positions[i] - len(line))
        print_fn(line)

    def output_shape_of(layer):
        try:
            return layer.output_shape
        except (AttributeError, RuntimeError):
            return "multiple"

    print_fn("_" * line_length)
    print_row(headers)
    print_fn("=" * line_length)
    layers = model.layers
    for i, layer in enumerate(layers):
        name = f"{layer.name} ({type(layer).__name__})"
        if sequential_like:
            print_row([name, output_shape_of(layer), layer.count_params()])
        else:
            connections = []
            for node in layer._inbound_nodes:
                if id(node) not in relevant_nodes:
                    continue
                for inbound, node_index, tensor_index in zip(
                        node.inbound_layers, node.node_indices, node.tensor_indices):
                    connections.append(f"{inbound.name}[{node_index}][{tensor_index}]")
            print_row([name, output_shape_of(layer), layer.count_params(),
                       connections[0] if connections else ""])
            for connection in connections[1:]:
                print_row(["", "", "", connection])
        print_fn(("=" if i == len(layers) - 1 else "_") * line_length)

    check = getattr(model, "_check_trainable_weights_consistency", None)
    if check is not None:
        check()
    trainable = getattr(model, "_collected_trainable_weights", None)
    if trainable is None:
        trainable = model.trainable_weights
    trainable_count = count_params(trainable)
    non_trainable_count = count_params(model.non_trainable_weights)
    print_fn(f"Total params: {trainable_count + non_trainable_count:,}")
    print_fn(f"Trainable params: {trainable_count:,}")
    print_fn(f"Non-trainable params: {non_trainable_count:,}")
    print_fn("_" * line_length)


def get_source_inputs(tensor, layer=None, node_index=None):
    """The Input tensors ``tensor`` was computed from (see :func:`polykeras.engine.network.get_source_inputs`)."""
    from ..engine.network import get_source_inputs as network_get_source_inputs
    return network_get_source_inputs(tensor, layer=layer, node_index=node_index)


#: Layers whose ``kernel`` is a convolution kernel (spatial axes first, then in/out channels).
_CONVOLUTION_LAYERS = ("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "Conv3DTranspose",
                       "SeparableConv1D", "SeparableConv2D", "DepthwiseConv2D")


def convert_kernel(kernel):
    """A convolution kernel with its spatial axes flipped (convolution <-> cross-correlation).

    Args:
        kernel: NumPy array of rank 3 to 5, spatial axes first.

    Raises:
        ValueError: a kernel of another rank.
    """
    kernel = np.asarray(kernel)
    if not 3 <= kernel.ndim <= 5:
        raise ValueError(f"convert_kernel: Expected a kernel of rank 3 to 5. Received: shape "
                         f"{kernel.shape}")
    spatial = tuple(range(kernel.ndim - 2))
    return np.copy(np.flip(kernel, axis=spatial))


def convert_all_kernels_in_model(model):
    """Flip the kernels of every convolution layer of ``model`` (Theano <-> TensorFlow weights)."""
    pairs = []
    for layer in model.layers:
        if type(layer).__name__ in _CONVOLUTION_LAYERS and getattr(layer, "kernel", None) is not None:
            pairs.append((layer.kernel, convert_kernel(K.get_value(layer.kernel))))
    if pairs:
        K.batch_set_value(pairs)
