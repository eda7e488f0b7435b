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
        if len(depth_nodes) > 1 or (len(depth_nodes) == 1
                                    and len(depth_nodes[0].inbound_layers) > 1):
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
    """The Input tensors ``tensor`` was computed from (see
    :func:`polykeras.engine.network.get_source_inputs`)."""
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
        if (type(layer).__name__ in _CONVOLUTION_LAYERS
                and getattr(layer, "kernel", None) is not None):
            pairs.append((layer.kernel, convert_kernel(K.get_value(layer.kernel))))
    if pairs:
        K.batch_set_value(pairs)


def convert_dense_weights_data_format(dense, previous_feature_map_shape,
                                      target_data_format="channels_first"):
    """Reorder the kernel rows of a ``Dense`` layer after ``Flatten`` for another data format.

    ``Flatten`` orders features ``(rows, cols, channels)`` in ``channels_last``
    and ``(channels, rows, cols)`` in ``channels_first``; a kernel trained in
    one format gives wrong outputs in the other until its rows are permuted.

    Args:
        dense: the built ``Dense`` layer whose input is the flattened feature map.
        previous_feature_map_shape: the feature map's shape without the batch
            axis, in the *target* data format (e.g. ``(512, 7, 7)`` for
            ``channels_first``).
        target_data_format: the data format the kernel is converted to;
            its rows are taken to be in the other one.

    Raises:
        ValueError: an unknown ``target_data_format``, or a feature map whose
            size differs from the kernel's number of rows.
    """
    if target_data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"convert_dense_weights_data_format: Expected one of {{'channels_first', "
                         f"'channels_last'}}. Received: target_data_format={target_data_format!r}")
    kernel, *rest = dense.get_weights()
    shape = tuple(int(d) for d in previous_feature_map_shape)
    if len(shape) < 2 or int(np.prod(shape)) != kernel.shape[0]:
        raise ValueError(f"convert_dense_weights_data_format: Expected a feature map of "
                         f"{kernel.shape[0]} values (the kernel's rows) with a channel axis. "
                         f"Received: previous_feature_map_shape={previous_feature_map_shape!r}")
    rank = len(shape)
    if target_data_format == "channels_first":
        source = shape[1:] + shape[:1]                         # rows stored channels last
        order = (rank - 1,) + tuple(range(rank - 1))
    else:
        source = shape[-1:] + shape[:-1]                       # rows stored channels first
        order = tuple(range(1, rank)) + (0,)
    kernel = kernel.reshape(source + (-1,)).transpose(order + (rank,)).reshape(kernel.shape)
    dense.set_weights([kernel] + rest)


def _layer_position(model, layer, default, caller, argument):
    """The index in ``model.layers`` of ``layer`` (a layer, name or index; None: ``default``)."""
    layers = model.layers
    if layer is None:
        return default
    if isinstance(layer, bool):
        pass
    elif isinstance(layer, (int, np.integer)):
        if -len(layers) <= layer < len(layers):
            return int(layer) % len(layers)
        raise ValueError(f"{caller}: Expected {argument} to be a layer index in "
                         f"[{-len(layers)}, {len(layers)}) for model {model.name!r}. "
                         f"Received: {argument}={layer}")
    elif isinstance(layer, str):
        for index, candidate in enumerate(layers):
            if candidate.name == layer:
                return index
        raise ValueError(f"{caller}: Expected {argument} to name a layer of model {model.name!r}. "
                         f"Received: {argument}={layer!r}, which is not one of its "
                         f"{len(layers)} layers")
    else:
        for index, candidate in enumerate(layers):
            if candidate is layer:
                return index
        if hasattr(layer, "trainable") and hasattr(layer, "name"):
            raise ValueError(f"{caller}: Expected {argument} to be a layer of model "
                             f"{model.name!r}. Received: layer {layer.name!r}, not in the model")
    raise TypeError(f"{caller}: Expected {argument} as a layer, a layer name or an index. "
                    f"Received: {argument}={layer!r}")


def _set_trainable(caller, model, from_layer, to_layer, trainable):
    if not hasattr(model, "layers"):
        raise TypeError(f"{caller}: Expected a model (a Network with layers). Received: {model!r}")
    layers = model.layers
    start = _layer_position(model, from_layer, 0, caller, "from_layer")
    stop = _layer_position(model, to_layer, len(layers) - 1, caller, "to_layer")
    if start > stop:
        raise ValueError(f"{caller}: Expected from_layer to come before to_layer in model "
                         f"{model.name!r}. Received: from_layer at index {start} "
                         f"({layers[start].name!r}), to_layer at index {stop} "
                         f"({layers[stop].name!r})")
    whole = from_layer is None and to_layer is None
    model.trainable = trainable if whole else True
    for index, layer in enumerate(layers):
        layer.trainable = trainable if start <= index <= stop else not trainable


def freeze_weights(model, from_layer=None, to_layer=None):
    """Freeze a model's weights, or a range of its layers (the R interface's ``freeze_weights``).

    Without a range, the model and every layer of ``model.layers`` are made
    non-trainable, so the weights stay frozen whether the model is used as a
    layer of another model (``Sequential([base, ...])``) or its layers are
    reused (``Model(base.input, head(base.output))``). With a range, the
    layers from ``from_layer`` to ``to_layer`` (both included; None means
    the first and the last layer) are frozen and every other layer of the
    model is made trainable, as is the model itself.

    As with ``layer.trainable`` in Keras, the change takes effect when the
    model (and any model containing it) is compiled again: a model compiled
    earlier keeps training the weights it collected at its ``compile``.

    Args:
        model: a ``Model`` (or ``Sequential``).
        from_layer, to_layer: a layer of ``model.layers``, its name or its
            index (Python indexing, 0-based, negative from the end).

    Returns:
        ``model``.

    Raises:
        ValueError: an unknown layer name or layer, an index out of range,
            or ``from_layer`` after ``to_layer``.
        TypeError: ``model`` without layers, or a range bound of another type.

    Example, the fine-tuning workflow of the Keras FAQ (``examples/finetune_vgg16.py``)::

        base = VGG16(weights="imagenet", include_top=False, input_shape=(150, 150, 3))
        model = Model(base.input, head(base.output))
        freeze_weights(base)                                  # train the new head only
        model.compile(optimizer="rmsprop", loss="binary_crossentropy")
        model.fit(...)
        unfreeze_weights(base, from_layer="block5_conv1")     # then the last block too
        model.compile(optimizer=SGD(lr=1e-4, momentum=0.9), loss="binary_crossentropy")
        model.fit(...)
    """
    _set_trainable("freeze_weights", model, from_layer, to_layer, False)
    return model


def unfreeze_weights(model, from_layer=None, to_layer=None):
    """Unfreeze a model, or a range of its layers (the R interface's ``unfreeze_weights``).

    The model becomes trainable; without a range so does every layer of
    ``model.layers``; with one, the layers from ``from_layer`` to
    ``to_layer`` (both included) are made trainable and every other layer of
    the model is frozen. Compile again for the change to take effect (see
    :func:`freeze_weights`).

    Returns:
        ``model``.

    Raises:
        ValueError, TypeError: as :func:`freeze_weights`.
    """
    _set_trainable("unfreeze_weights", model, from_layer, to_layer, True)
    return model
