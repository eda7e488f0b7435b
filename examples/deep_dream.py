"""Deep Dream: gradient ascent on an image to amplify what InceptionV3's layers see.

    python examples/deep_dream.py --image sky.jpg --output dream   # writes dream.png
    python examples/deep_dream.py --smoke --backend jax             # seconds, generated image

Keras's ``deep_dream.py``: the loss is a weighted sum of the squared
activations of ``mixed2`` to ``mixed5`` (borders excluded, each divided by
its size); ``K.gradients`` of the loss with respect to the input image,
normalized by their mean absolute value, and ``K.function`` give the loss
and the gradients of an image; the image climbs them for ``--iterations``
steps at each of ``--octaves`` successively larger scales, the detail lost
by the downscaling being added back after each scale.

``--image`` is any image Pillow reads (default: generated clouds). The model
takes images of any size (``include_top=False``, ``input_shape`` left
unknown). ``--smoke`` runs in seconds: ``weights=None``, a 96x96 generated
image, one octave of two steps; the output goes to a temporary folder.
"""

import argparse
import os
import sys
import tempfile
import time

#: Layer -> weight of its activations in the loss (Keras's settings).
SETTINGS = {"mixed2": 0.2, "mixed3": 0.5, "mixed4": 2., "mixed5": 1.5}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="gradient-ascent steps per octave (default 20); same as --iterations")
    parser.add_argument("--iterations", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--image", help="the starting image (default: generated clouds)")
    parser.add_argument("--output", help="output file prefix (default: dream; smoke: temp folder)")
    parser.add_argument("--weights", default=None, help="'imagenet' (default), 'none' or a file")
    parser.add_argument("--size", type=int, default=None,
                        help="size of the generated image (default 300; smoke 96)")
    parser.add_argument("--octaves", type=int, default=None, help="scales (default 3; smoke 1)")
    parser.add_argument("--octave-scale", type=float, default=1.4)
    parser.add_argument("--step", type=float, default=0.01)
    parser.add_argument("--max-loss", type=float, default=10.)
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: weights=None, a 96x96 image, one octave of 2 steps")
    args = parser.parse_args(argv)
    steps = args.iterations if args.iterations is not None else args.epochs
    args.iterations = steps if steps is not None else (2 if args.smoke else 20)
    if args.weights is None:
        args.weights = "none" if args.smoke else "imagenet"
    if args.size is None:
        args.size = 96 if args.smoke else 300
    if args.octaves is None:
        args.octaves = 1 if args.smoke else 3
    if args.iterations < 1 or args.octaves < 1:
        parser.error("--epochs/--iterations and --octaves must be >= 1")
    return args


def generated_image(size, seed=0):
    """Smooth random 'clouds': an RGB uint8 array of ``size`` x ``size``."""
    import numpy as np
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(size, size, 3))
    clouds = ndimage.gaussian_filter(noise, sigma=(size / 16, size / 16, 0))
    clouds = (clouds - clouds.min()) / (clouds.max() - clouds.min() + 1e-12)
    return (clouds * 255).astype("uint8")


def preprocess_image(args):
    """The image as a batch of one, preprocessed for InceptionV3, in the data format."""
    import numpy as np
    from polykeras import backend as K
    from polykeras.applications import inception_v3
    from polykeras.preprocessing import image

    if args.image:
        array = image.img_to_array(image.load_img(args.image), data_format="channels_last")
    else:
        array = generated_image(args.size).astype("float32")
    batch = inception_v3.preprocess_input(np.expand_dims(array, axis=0))
    return batch.transpose(0, 3, 1, 2) if K.image_data_format() == "channels_first" else batch


def deprocess_image(x):
    """A preprocessed batch of one back to an RGB uint8 image."""
    import numpy as np
    from polykeras import backend as K

    x = x[0].transpose(1, 2, 0) if K.image_data_format() == "channels_first" else x[0]
    return np.clip((x + 1.) * 127.5, 0, 255).astype("uint8")


def resize_img(img, size):
    """``img`` (a batch of one) resized to ``size`` (rows, cols) by linear interpolation."""
    from scipy import ndimage
    from polykeras import backend as K

    rows, cols = (img.shape[2:4] if K.image_data_format() == "channels_first"
                  else img.shape[1:3])
    factors = (size[0] / rows, size[1] / cols)
    zoom = ((1, 1) + factors if K.image_data_format() == "channels_first"
            else (1,) + factors + (1,))
    return ndimage.zoom(img, zoom, order=1)


def loss_and_gradients_function(model):
    """``K.function`` from the image to ``[loss, normalized gradients]``."""
    from polykeras import backend as K

    dream = model.input
    layer_dict = {layer.name: layer for layer in model.layers}
    loss = K.variable(0.)
    for layer_name, coeff in SETTINGS.items():
        x = layer_dict[layer_name].output
        scaling = K.prod(K.cast(K.shape(x), "float32"))
        # Border pixels are left out of the loss, to avoid border artifacts.
        if K.image_data_format() == "channels_first":
            loss = loss + coeff * K.sum(K.square(x[:, :, 2:-2, 2:-2])) / scaling
        else:
            loss = loss + coeff * K.sum(K.square(x[:, 2:-2, 2:-2, :])) / scaling
    grads = K.gradients(loss, dream)[0]
    grads = grads / K.maximum(K.mean(K.abs(grads)), K.epsilon())
    return K.function([dream], [loss, grads])


def gradient_ascent(fetch, x, iterations, step, max_loss=None):
    loss_value = None
    for i in range(iterations):
        loss_value, grad_values = fetch([x])
        if max_loss is not None and loss_value > max_loss:
            break
        print(f"  loss value at step {i}: {loss_value:.5g}")
        x = x + step * grad_values
    return x, loss_value


def main(argv=None):
    args = parse_args(argv)
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    import numpy as np
    from polykeras import backend as K
    from polykeras.applications import inception_v3
    from polykeras.preprocessing import image

    print(f"Backend: {K.backend()}")
    # Keras's script fixes K.set_learning_phase(0) for the whole session; a function that is
    # not fed the learning phase runs in test mode anyway (batch norm on its moving averages),
    # and leaving the phase free keeps later training in this process unaffected.
    weights = None if args.weights == "none" else args.weights
    model = inception_v3.InceptionV3(weights=weights, include_top=False)
    fetch = loss_and_gradients_function(model)

    img = preprocess_image(args)
    spatial = (2, 3) if K.image_data_format() == "channels_first" else (1, 2)
    original_shape = tuple(img.shape[a] for a in spatial)
    successive_shapes = [tuple(int(dim / (args.octave_scale ** i)) for dim in original_shape)
                         for i in range(args.octaves)][::-1]
    original_img = np.copy(img)
    shrunk_original_img = resize_img(img, successive_shapes[0])
    start = time.perf_counter()
    loss_value = None
    for shape in successive_shapes:
        print(f"Processing image shape {shape}")
        img = resize_img(img, shape)
        img, loss_value = gradient_ascent(fetch, img, args.iterations, args.step, args.max_loss)
        upscaled_shrunk_original_img = resize_img(shrunk_original_img, shape)
        same_size_original = resize_img(original_img, shape)
        img = img + (same_size_original - upscaled_shrunk_original_img)  # the lost detail
        shrunk_original_img = resize_img(original_img, shape)
    print(f"Dreamed in {time.perf_counter() - start:.1f}s")
    if not np.all(np.isfinite(img)):
        raise RuntimeError("the dream diverged: non-finite pixels")

    prefix = args.output or (os.path.join(tempfile.mkdtemp(), "dream") if args.smoke else "dream")
    image.save_img(prefix + ".png", deprocess_image(img), data_format="channels_last")
    print(f"Saved {prefix}.png")
    print(f"final_loss={float(loss_value):.5g}")
    return float(loss_value)


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
