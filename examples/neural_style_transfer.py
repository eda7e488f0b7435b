"""Neural style transfer with VGG19 (Gatys et al., 2015): one image in the style of another.

    python examples/neural_style_transfer.py --base photo.jpg --style painting.jpg --output result
    python examples/neural_style_transfer.py --smoke --backend torch   # seconds, generated images

Keras's ``neural_style_transfer.py``: the base image, the style image (both
``K.variable``) and the combination image being optimized (a
``K.placeholder``) go through VGG19 as one batch (``input_tensor`` of
``K.concatenate``); the loss is the content loss on ``block5_conv2``, the
style loss on the Gram matrices of ``block1_conv1`` to ``block5_conv1`` and
a total variation loss; ``K.gradients`` and ``K.function`` give the loss and
its gradient with respect to the combination image, which SciPy's L-BFGS-B
minimizes (``--epochs`` rounds of at most 20 evaluations), saving the image
after each round.

``--smoke`` runs in seconds: ``weights=None``, 32x32 generated images, one
round of two evaluations; the output goes to a temporary folder.
"""

import argparse
import os
import sys
import tempfile
import time

FEATURE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1",
                  "block5_conv1")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="L-BFGS rounds, each saving an image (default 10)")
    parser.add_argument("--base", help="the content image (default: generated)")
    parser.add_argument("--style", help="the style image (default: generated)")
    parser.add_argument("--output", help="output file prefix (default: result; smoke: temp folder)")
    parser.add_argument("--weights", default=None, help="'imagenet' (default), 'none' or a file")
    parser.add_argument("--rows", type=int, default=None,
                        help="height of the images (default 400; smoke 32)")
    parser.add_argument("--content-weight", type=float, default=0.025)
    parser.add_argument("--style-weight", type=float, default=1.0)
    parser.add_argument("--tv-weight", type=float, default=1.0)
    parser.add_argument("--maxfun", type=int, default=None,
                        help="loss evaluations per round (default 20; smoke 2)")
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: weights=None, 32x32 images, one short round")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 10
    if args.weights is None:
        args.weights = "none" if args.smoke else "imagenet"
    if args.rows is None:
        args.rows = 32 if args.smoke else 400
    if args.maxfun is None:
        args.maxfun = 2 if args.smoke else 20
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def generated_image(rows, cols, kind, seed):
    """An RGB uint8 image: smooth blobs (``"content"``) or diagonal stripes (``"style"``)."""
    import numpy as np
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    if kind == "content":
        img = ndimage.gaussian_filter(rng.normal(size=(rows, cols, 3)),
                                      sigma=(rows / 8, rows / 8, 0))
    else:
        r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
        img = np.sin((r + c)[..., None] / 3. + np.array([0., 2., 4.])) + 0.2 * rng.normal(
            size=(rows, cols, 3))
    img = (img - img.min()) / (img.max() - img.min() + 1e-12)
    return (img * 255).astype("uint8")


class StyleTransfer:
    """The images, the VGG19 graph of the loss, and the function of loss and gradients."""

    def __init__(self, args):
        from polykeras import backend as K
        from polykeras.preprocessing import image

        if args.base:
            width, height = image.load_img(args.base).size
            self.rows, self.cols = args.rows, int(width * args.rows / height)
        else:
            self.rows, self.cols = args.rows, args.rows
        self.channels_first = K.image_data_format() == "channels_first"
        self.shape = ((1, 3, self.rows, self.cols) if self.channels_first
                      else (1, self.rows, self.cols, 3))
        self.base = self.preprocess(args.base, "content", 0)
        self.style = self.preprocess(args.style, "style", 1)
        self.fetch = self.loss_and_gradients_function(args)

    def preprocess(self, path, kind, seed):
        import numpy as np
        from polykeras.applications import vgg19
        from polykeras.preprocessing import image

        if path:
            img = image.img_to_array(image.load_img(path, target_size=(self.rows, self.cols)),
                                     data_format="channels_last")
        else:
            img = generated_image(self.rows, self.cols, kind, seed).astype("float32")
        img = vgg19.preprocess_input(np.expand_dims(img, axis=0), data_format="channels_last")
        return img.transpose(0, 3, 1, 2) if self.channels_first else img

    def deprocess(self, x):
        """Flat optimizer variables back to an RGB uint8 image (the caffe preprocessing undone)."""
        import numpy as np

        x = x.reshape(self.shape)[0]
        if self.channels_first:
            x = x.transpose(1, 2, 0)
        x = x + np.array([103.939, 116.779, 123.68])  # the mean pixel, BGR
        return np.clip(x[:, :, ::-1], 0, 255).astype("uint8")

    def gram_matrix(self, x):
        from polykeras import backend as K

        features = K.batch_flatten(x if self.channels_first else K.permute_dimensions(x, (2, 0, 1)))
        return K.dot(features, K.transpose(features))

    def style_loss(self, style, combination):
        from polykeras import backend as K

        size = self.rows * self.cols
        return (K.sum(K.square(self.gram_matrix(style) - self.gram_matrix(combination)))
                / (4. * (3 ** 2) * (size ** 2)))

    def total_variation_loss(self, x):
        from polykeras import backend as K

        r, c = self.rows, self.cols
        if self.channels_first:
            a = K.square(x[:, :, :r - 1, :c - 1] - x[:, :, 1:, :c - 1])
            b = K.square(x[:, :, :r - 1, :c - 1] - x[:, :, :r - 1, 1:])
        else:
            a = K.square(x[:, :r - 1, :c - 1, :] - x[:, 1:, :c - 1, :])
            b = K.square(x[:, :r - 1, :c - 1, :] - x[:, :r - 1, 1:, :])
        return K.sum(K.pow(a + b, 1.25))

    def loss_and_gradients_function(self, args):
        from polykeras import backend as K
        from polykeras.applications import vgg19

        base_image = K.variable(self.base)
        style_reference_image = K.variable(self.style)
        self.combination_image = K.placeholder(self.shape)
        input_tensor = K.concatenate([base_image, style_reference_image,
                                      self.combination_image], axis=0)
        weights = None if args.weights == "none" else args.weights
        model = vgg19.VGG19(input_tensor=input_tensor, weights=weights, include_top=False)
        outputs = {layer.name: layer.output for layer in model.layers}

        features = outputs["block5_conv2"]
        loss = K.variable(0.)
        loss = loss + args.content_weight * K.sum(K.square(features[2] - features[0]))
        for layer_name in FEATURE_LAYERS:
            features = outputs[layer_name]
            loss = loss + (args.style_weight / len(FEATURE_LAYERS)) * self.style_loss(
                features[1], features[2])
        loss = loss + args.tv_weight * self.total_variation_loss(self.combination_image)
        grads = K.gradients(loss, self.combination_image)
        return K.function([self.combination_image], [loss] + grads)

    def loss_and_gradients(self, x):
        import numpy as np

        outs = self.fetch([x.reshape(self.shape).astype("float32")])
        return float(outs[0]), np.array(outs[1:]).flatten().astype("float64")


class Evaluator:
    """Loss and gradients computed in one call, handed to L-BFGS-B as two functions."""

    def __init__(self, transfer):
        self.transfer = transfer
        self.grad_values = None

    def loss(self, x):
        loss_value, self.grad_values = self.transfer.loss_and_gradients(x)
        return loss_value

    def grads(self, x):
        grad_values, self.grad_values = self.grad_values, None
        return grad_values


def main(argv=None):
    args = parse_args(argv)
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    import numpy as np
    from scipy.optimize import fmin_l_bfgs_b
    from polykeras import backend as K
    from polykeras.preprocessing import image

    print(f"Backend: {K.backend()}")
    transfer = StyleTransfer(args)
    evaluator = Evaluator(transfer)
    prefix = args.output or (os.path.join(tempfile.mkdtemp(), "result") if args.smoke
                             else "result")
    x = transfer.base.flatten().astype("float64")
    first = evaluator.loss(x)
    evaluator.grad_values = None
    print(f"Initial loss: {first:.6g}")
    loss_value = first
    for i in range(args.epochs):
        start = time.perf_counter()
        x, loss_value, _ = fmin_l_bfgs_b(evaluator.loss, x, fprime=evaluator.grads,
                                         maxfun=args.maxfun)
        fname = f"{prefix}_at_iteration_{i}.png"
        image.save_img(fname, transfer.deprocess(x.copy()), data_format="channels_last")
        print(f"Iteration {i}: loss {loss_value:.6g}, saved {fname} "
              f"({time.perf_counter() - start:.1f}s)")
    if not np.isfinite(loss_value) or loss_value > first:
        raise RuntimeError(f"the loss did not decrease: {first:.6g} -> {loss_value:.6g}")
    print(f"final_loss={loss_value:.6g}")
    return float(loss_value)


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
