"""Pictures of training: :func:`plot_history` draws the curves of a ``History``."""

from __future__ import annotations

import os


def _pyplot(show):
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plot_history requires matplotlib, which is not installed. "
                          "Install it with `pip install matplotlib` (or `pip install 'polykeras[plot]'`).") from None
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
            raise ValueError(f"plot_history: Expected metrics among {available}. Received: {unknown}")
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
