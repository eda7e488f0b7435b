"""Pictures of models and training.

:func:`model_to_dot` and :func:`plot_model` draw a model's graph of layers
(pydot builds the graph; Graphviz's ``dot`` program renders it);
:func:`plot_history` draws the curves of a ``History`` with matplotlib.
:func:`layer_graph` is the walk over the layers both the drawings and the
TensorBoard callback's graph use.
"""

from __future__ import annotations

import os
import shutil


def _pyplot(show):
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plot_history requires matplotlib, which is not installed. "
                          "Install it with `pip install matplotlib` (or `pip install "
                          "'polykeras[plot]'`).") from None
    if not show and os.environ.get("MPLBACKEND") is None:
        matplotlib.use("Agg")  # drawing to a file must work without a display
    import matplotlib.pyplot as plt
    return plt


def plot_history(history, metrics=None, path=None, show=None):
    """Draw the loss and metric curves of a training run, one panel per quantity.

    Each panel shows a quantity per epoch (``loss``, ``acc``, ...) with its
    validation counterpart (``val_loss``, ...) when recorded, like R Keras's
    ``plot(history)``.

    Args:
        history: the ``History`` returned by ``fit`` (or a dict
            ``{name: [value per epoch]}``).
        metrics: names to draw (without ``val_``); default all recorded.
        path: save the figure there (PNG, PDF, SVG... from the extension).
        show: open a window; default: only when no ``path`` is given.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ImportError: matplotlib is not installed (says how to install it).
        ValueError: an empty history, or a requested metric it does not hold.
    """
    logs = history.history if hasattr(history, "history") else history
    if not isinstance(logs, dict) or not logs:
        raise ValueError(f"plot_history: Expected a History with recorded epochs (or a non-empty "
                         f"dict of name -> values). Received: {history!r}")
    available = [name for name in logs if not name.startswith("val_") and name != "lr"]
    available += [name[4:] for name in logs if name.startswith("val_") and name[4:] not in logs]
    if metrics is None:
        metrics = available
    else:
        metrics = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [m for m in metrics if m not in logs and "val_" + m not in logs]
        if unknown:
            raise ValueError(f"plot_history: Expected metrics among {available}. Received: "
                             f"{unknown}")
    if show is None:
        show = path is None
    plt = _pyplot(show)
    figure, axes = plt.subplots(len(metrics), 1, sharex=True, squeeze=False,
                                figsize=(6, 2.6 * len(metrics)))
    epochs_of = getattr(history, "epoch", None)
    for ax, name in zip(axes[:, 0], metrics):
        for key, label in ((name, "training"), ("val_" + name, "validation")):
            if key in logs:
                values = [float(v) for v in logs[key]]
                epochs = [e + 1 for e in epochs_of] if epochs_of and len(epochs_of) == len(values) \
                    else list(range(1, len(values) + 1))
                ax.plot(epochs, values, marker="o", markersize=3, label=label)
        ax.set_ylabel(name)
        ax.grid(True, alpha=0.3)
        ax.legend()
    axes[-1, 0].set_xlabel("epoch")
    axes[-1, 0].xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    figure.tight_layout()
    if path is not None:
        figure.savefig(os.fspath(path))
    if show:
        plt.show()
    return figure


# -- the graph of layers ----------------------------------------------------------------------

def _is_graph_network(layer):
    return getattr(layer, "_is_graph_network", False) and hasattr(layer, "_network_nodes")


def _check_drawable(model, caller):
    if _is_graph_network(model):
        return
    from ..engine.sequential import Sequential
    if isinstance(model, Sequential):
        raise ValueError(f"{caller}: Model {model.name!r} is not built yet, so its graph of "
                         "layers is unknown. Give the first layer an input_shape, call "
                         "build(input_shape), or fit it on data first.")
    raise ValueError(f"{caller}: Expected a Sequential or functional model (a graph of "
                     f"layers). Received: {model!r}, which has no graph of layers (a subclassed "
                     "model defines its computation in Python code)")


def layer_graph(model, expand_nested=False):
    """The nodes and edges of a model's graph of layers.

    Args:
        model: a built Sequential or functional model.
        expand_nested: draw the layers of nested models instead of one node
            per nested model.

    Returns:
        ``(nodes, edges)``: ``nodes`` is a list of ``(node_id, layer,
        parents)`` in model order, where ``parents`` is the tuple of nested
        models around the layer (empty at the top level); ``edges`` is a
        list of ``(source node_id, target node_id)``, without duplicates.

    Raises:
        ValueError: a subclassed or unbuilt model.
    """
    from ..engine.network import node_key
    _check_drawable(model, "layer_graph")
    nodes, edges = [], []

    def walk(network, parents):
        entries, exits = {}, {}
        for layer in network._layers:
            if expand_nested and _is_graph_network(layer):
                sub_entries, sub_exits = walk(layer, parents + (layer,))
                entries[id(layer)] = [sub_entries[id(inner)][0] for inner in layer._input_layers]
                exits[id(layer)] = [sub_exits[id(inner)][min(t, len(sub_exits[id(inner)]) - 1)]
                                    for inner, _, t in layer._output_coordinates]
            else:
                node_id = str(id(layer))
                nodes.append((node_id, layer, parents))
                entries[id(layer)] = exits[id(layer)] = [node_id]
        for layer in network._layers:
            for index, node in enumerate(layer._inbound_nodes):
                if node_key(layer, index) not in network._network_nodes:
                    continue
                for k, (inbound, t) in enumerate(zip(node.inbound_layers, node.tensor_indices)):
                    if inbound is None or id(inbound) not in exits:
                        continue
                    sources, targets = exits[id(inbound)], entries[id(layer)]
                    edge = (sources[min(t, len(sources) - 1)], targets[min(k, len(targets) - 1)])
                    if edge not in edges:
                        edges.append(edge)
        return entries, exits

    walk(model, ())
    return nodes, edges


def _shape_text(layer, attribute):
    try:
        return str(getattr(layer, attribute))
    except (AttributeError, ValueError, RuntimeError):
        return "multiple"


def _pydot(caller):
    try:
        import pydot
    except ImportError:
        raise ImportError(f"{caller} requires pydot, which is not installed. Install it with "
                          "`pip install pydot` (or `pip install 'polykeras[plot]'`), and Graphviz "
                          "(https://graphviz.org/download/) to render images.") from None
    return pydot


def model_to_dot(model, show_shapes=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=96):
    """The graph of a model's layers as a ``pydot.Dot`` (Graphviz is not needed to build it).

    One node per layer, labelled ``"name: ClassName"`` (a wrapper shows its
    inner layer: ``"name(inner): Wrapper(Inner)"``); with ``show_shapes`` a
    record with the input and output shapes; one edge per connection.

    Args:
        model: a built Sequential or functional model.
        show_shapes: show the input and output shapes.
        show_layer_names: show the layer names (else only the classes).
        rankdir: Graphviz's ``rankdir``: ``"TB"`` (top to bottom) or ``"LR"``
            (left to right), or ``"BT"``, ``"RL"``.
        expand_nested: draw nested models' layers, each nested model in a
            dashed box (else one node per nested model).
        dpi: the resolution of rendered images.

    Raises:
        ImportError: pydot is not installed.
        ValueError: a subclassed or unbuilt model; an unknown ``rankdir``.
    """
    caller = "model_to_dot"
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"{caller}: Expected rankdir one of {{'TB', 'LR', 'BT', 'RL'}}. "
                         f"Received: rankdir={rankdir!r}")
    _check_drawable(model, caller)
    pydot = _pydot(caller)
    nodes, edges = layer_graph(model, expand_nested=expand_nested)
    dot = pydot.Dot()
    dot.set("rankdir", rankdir)
    dot.set("concentrate", True)
    dot.set("dpi", dpi)
    dot.set_node_defaults(shape="record")
    clusters = {}

    def container(parents):
        if not parents:
            return dot
        key = tuple(id(p) for p in parents)
        if key not in clusters:
            cluster = pydot.Cluster(graph_name=str(id(parents[-1])), style="dashed",
                                    label=parents[-1].name, labeljust="l")
            container(parents[:-1]).add_subgraph(cluster)
            clusters[key] = cluster
        return clusters[key]

    for node_id, layer, parents in nodes:
        layer_name, class_name = layer.name, type(layer).__name__
        inner = getattr(layer, "layer", None)
        if inner is not None and hasattr(inner, "name") and hasattr(inner, "_inbound_nodes"):
            layer_name = f"{layer_name}({inner.name})"
            class_name = f"{class_name}({type(inner).__name__})"
        label = f"{layer_name}: {class_name}" if show_layer_names else class_name
        if show_shapes:
            label = (f"{label}\n|{{input:|output:}}|{{{{{_shape_text(layer, 'input_shape')}}}|"
                     f"{{{_shape_text(layer, 'output_shape')}}}}}")
        container(parents).add_node(pydot.Node(node_id, label=label))
    for source, target in edges:
        dot.add_edge(pydot.Edge(source, target))
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=96):
    """Draw a model's graph of layers to an image file (see :func:`model_to_dot`).

    The format comes from the extension of ``to_file`` (``.png``, ``.svg``,
    ``.pdf``, ...; none: PNG), rendered by Graphviz's ``dot``; a ``.dot``
    or ``.gv`` file gets the graph's DOT source, which needs no Graphviz.

    Returns:
        An ``IPython.display.Image`` of the file when IPython is installed
        and the file is an image, else None.

    Raises:
        ImportError: pydot is not installed.
        OSError: Graphviz's ``dot`` program is not on the PATH (the message
            says how to install it).
        ValueError: see :func:`model_to_dot`.
    """
    dot = model_to_dot(model, show_shapes=show_shapes, show_layer_names=show_layer_names,
                       rankdir=rankdir, expand_nested=expand_nested, dpi=dpi)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:].lower() or "png"
    if extension in ("dot", "gv"):
        dot.write(to_file, format="raw")
        return None
    missing = ("plot_model: Graphviz's `dot` program was not found on the PATH; pydot needs it to "
               f"render {to_file!r}. Install Graphviz (e.g. `apt-get install graphviz`, "
               "`brew install graphviz`, https://graphviz.org/download/), or save the DOT source "
               "with to_file='model.dot', or use model_to_dot(model).")
    if shutil.which(getattr(dot, "prog", None) or "dot") is None:
        raise OSError(missing)
    try:
        dot.write(to_file, format=extension)
    except FileNotFoundError:
        raise OSError(missing) from None
    try:
        from IPython import display
    except ImportError:
        return None
    if extension in ("png", "jpg", "jpeg", "gif"):
        return display.Image(filename=to_file)
    return None
