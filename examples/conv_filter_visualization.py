"""Visualizing what VGG16's filters respond to, by gradient ascent in input space.

    python examples/conv_filter_visualization.py --layer block5_conv1 --filters 200
    python examples/conv_filter_visualization.py --smoke --backend jax   # seconds

Keras's ``conv_filter_visualization.py``: for each filter of ``--layer``,
the loss is the mean activation of that filter; ``K.gradients`` of it with
respect to the input image, normalized by their root mean square, and
``K.function`` give the loss and the gradients; a grey noise image climbs
them for ``--epochs`` steps. The filters with the highest activation are
stitched into one ``n x n`` grid image.

Keras builds one ``K.function`` per filter; here the filter is chosen by a
one-hot input of the same function, so it is compiled once instead of once
per filter (the gradients are the same). ``--smoke`` runs in seconds:
``weights=None``, 2 filters of 32x32 images, 3 steps; the output goes to
a temporary folder.
"""

import argparse
import os
import sys
import tempfile
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="gradient-ascent steps per filter (default 20)")
    parser.add_argument("--layer", default="block5_conv1", help="the convolution layer")
    parser.add_argument("--filters", type=int, default=None,
                        help="how many of its filters to try (default 200; smoke 2)")
    parser.add_argument("--grid", type=int, default=None,
                        help="the output shows grid x grid filters (default 8; smoke 1)")
    parser.add_argument("--size", type=int, default=None, help="image size (default 128; smoke 32)")
    parser.add_argument("--output", help="output file (default: stitched_filters_<n>x<n>.png)")
    parser.add_argument("--weights", default=None, help="'imagenet' (default), 'none' or a file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: weights=None, 2 filters, 32x32 images, 3 steps")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 3 if args.smoke else 20
    defaults = {"filters": (2, 200), "grid": (1, 8), "size": (32, 128)}
    for name, (smoke, full) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, smoke if args.smoke else full)
    if args.weights is None:
        args.weights = "none" if args.smoke else "imagenet"
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def deprocess_image(x):
    """A tensor of any range to an RGB uint8 image (centered, scaled to std 0.1 around 0.5)."""
    import numpy as np
    from polykeras import backend as K

    x = x - x.mean()
    x = x / (x.std() + K.epsilon())
    x = np.clip(x * 0.1 + 0.5, 0, 1) * 255
    if K.image_data_format() == "channels_first":
        x = x.transpose(1, 2, 0)
    return np.clip(x, 0, 255).astype("uint8")


def normalize(x):
    """``x`` divided by its root mean square (L2 normalization of the gradients)."""
    from polykeras import backend as K
    return x / (K.sqrt(K.mean(K.square(x))) + K.epsilon())


def filter_ascent_function(model, layer_name):
    """``K.function([image, one_hot]) -> [loss, gradients]``: the mean activation of the filter
    chosen by ``one_hot`` and its normalized gradients with respect to the image."""
    from polykeras import backend as K

    layer_dict = {layer.name: layer for layer in model.layers[1:]}
    if layer_name not in layer_dict:
        raise ValueError(f"conv_filter_visualization: Expected --layer to be one of "
                         f"{sorted(layer_dict)}. Received: {layer_name!r}")
    layer_output = layer_dict[layer_name].output
    channel_axis = 1 if K.image_data_format() == "channels_first" else 3
    filters = K.int_shape(layer_output)[channel_axis]
    one_hot = K.placeholder(shape=(filters,))
    axes = [a for a in range(4) if a != channel_axis]
    loss = K.sum(K.mean(layer_output, axis=axes) * one_hot)  # = mean of the chosen filter
    grads = normalize(K.gradients(loss, model.input)[0])
    return K.function([model.input, one_hot], [loss, grads]), filters


def stitch(kept, n, size):
    """The ``n * n`` best filter images in a grid with 5-pixel margins."""
    import numpy as np

    margin = 5
    side = n * size + (n - 1) * margin
    stitched = np.zeros((side, side, 3), dtype="uint8")
    for index, (img, _) in enumerate(kept[:n * n]):
        i, j = divmod(index, n)
        top, left = i * (size + margin), j * (size + margin)
        stitched[top:top + size, left:left + size] = img
    return stitched


def main(argv=None):
    args = parse_args(argv)
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    import numpy as np
    from polykeras import backend as K
    from polykeras.applications import vgg16
    from polykeras.preprocessing import image

    print(f"Backend: {K.backend()}")
    weights = None if args.weights == "none" else args.weights
    model = vgg16.VGG16(weights=weights, include_top=False)
    iterate, filters = filter_ascent_function(model, args.layer)
    rng = np.random.default_rng(args.seed)
    shape = ((1, 3, args.size, args.size) if K.image_data_format() == "channels_first"
             else (1, args.size, args.size, 3))
    kept = []
    for filter_index in range(min(args.filters, filters)):
        start = time.perf_counter()
        one_hot = np.zeros(filters, dtype="float32")
        one_hot[filter_index] = 1.
        input_img_data = ((rng.random(shape) - 0.5) * 20 + 128).astype("float32")
        loss_value = 0.
        for _ in range(args.epochs):
            loss_value, grads_value = iterate([input_img_data, one_hot])
            input_img_data += grads_value  # step 1
            if loss_value <= 0.:
                break  # some filters stay at 0: skip them
        if loss_value > 0:
            kept.append((deprocess_image(input_img_data[0]), float(loss_value)))
        print(f"Filter {filter_index}: loss {float(loss_value):.4g} "
              f"({time.perf_counter() - start:.2f}s)")
    kept.sort(key=lambda item: item[1], reverse=True)
    n = min(args.grid, int(np.sqrt(len(kept)))) if kept else 0
    print(f"{len(kept)} of {min(args.filters, filters)} filters kept")
    if n:
        default = f"stitched_filters_{n}x{n}.png"
        path = args.output or (os.path.join(tempfile.mkdtemp(), default) if args.smoke
                               else default)
        image.save_img(path, stitch(kept, n, args.size), data_format="channels_last")
        print(f"Saved {path}")
    print(f"filters_kept={len(kept)}")
    return len(kept)


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
