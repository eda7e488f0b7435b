"""Fine-tuning VGG16 on a small two-class image set: the Keras FAQ's workflow, end to end.

    python examples/finetune_vgg16.py --data cats_and_dogs/   # train/<class>/, validation/<class>/
    python examples/finetune_vgg16.py --smoke --backend torch  # seconds, generated images

The steps of the Keras FAQ ("How can I use pre-trained models?", "How can I
"freeze" Keras layers?") and of the Keras blog's cats-and-dogs tutorial:

1. ``VGG16(weights="imagenet", include_top=False, input_shape=(150, 150, 3))``
   as the convolutional base, and a small classifier on top (Flatten, Dense
   256 relu, Dropout 0.5, Dense 1 sigmoid);
2. ``freeze_weights(base)``, compile (the freeze takes effect at compile)
   and train the new classifier only;
3. ``unfreeze_weights(base, from_layer="block5_conv1")``: the last
   convolutional block becomes trainable, the blocks below stay frozen;
   compile again, with SGD at a low learning rate (1e-4, momentum 0.9), and
   train the last block together with the classifier.

After each phase the script checks which weights moved and prints it. With
``--data`` the images are read with ``ImageDataGenerator.flow_from_directory``
(``preprocess_input`` of VGG16, augmentation for training); without it,
two classes of generated images (horizontal against vertical stripes).
``--smoke`` runs in seconds: ``weights=None``, 8 generated images of 32x32
to train on and 8 to validate, one epoch per phase.
"""

import argparse
import os
import sys
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs of each of the two phases (default 5)")
    parser.add_argument("--data", help="folder with train/<class>/ and validation/<class>/ images")
    parser.add_argument("--weights", default=None,
                        help="'imagenet' (default), 'none' or a weights file of VGG16 without top")
    parser.add_argument("--size", type=int, default=None, help="image size (default 150)")
    parser.add_argument("--batch-size", type=int, default=None, help="default 16 (smoke: 8)")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: weights=None, 32x32 generated images, 1 epoch a phase")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 5
    if args.size is None:
        args.size = 32 if args.smoke else 150
    if args.batch_size is None:
        args.batch_size = 8 if args.smoke else 16
    if args.weights is None:
        args.weights = "none" if args.smoke else "imagenet"
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def generated_images(n, size, seed):
    """``n`` RGB images in [0, 255] of horizontal (label 0) or vertical (label 1) stripes."""
    import numpy as np

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    phase = rng.uniform(0, 2 * np.pi, (n, 1, 1))
    grid = np.arange(size)
    rows, cols = np.meshgrid(grid, grid, indexing="ij")
    waves = np.where(labels[:, None, None] == 0, rows, cols)
    stripes = np.sin(waves * 2 * np.pi / 8 + phase)
    images = 127.5 + 100 * stripes[..., None] + rng.normal(0, 20, (n, size, size, 3))
    return np.clip(images, 0, 255).astype("float32"), labels.astype("float32")


def data_flows(args):
    """``(train, validation, steps, validation_steps)``: generators of preprocessed batches."""
    from polykeras import backend as K
    from polykeras.applications.vgg16 import preprocess_input
    from polykeras.preprocessing.image import ImageDataGenerator

    if args.data:
        train_gen = ImageDataGenerator(preprocessing_function=preprocess_input, shear_range=0.2,
                                       zoom_range=0.2, horizontal_flip=True)
        test_gen = ImageDataGenerator(preprocessing_function=preprocess_input)
        flow = dict(target_size=(args.size, args.size), batch_size=args.batch_size,
                    class_mode="binary")
        train = train_gen.flow_from_directory(os.path.join(args.data, "train"), **flow)
        validation = test_gen.flow_from_directory(os.path.join(args.data, "validation"), **flow)
        return train, validation, len(train), len(validation)
    n_train, n_validation = (8, 8) if args.smoke else (512, 128)
    x, y = generated_images(n_train + n_validation, args.size, args.seed)
    x = preprocess_input(x)
    if K.image_data_format() == "channels_first":
        x = x.transpose(0, 3, 1, 2)
    gen = ImageDataGenerator()
    train = gen.flow(x[:n_train], y[:n_train], batch_size=args.batch_size, seed=args.seed)
    validation = gen.flow(x[n_train:], y[n_train:], batch_size=args.batch_size, shuffle=False)
    return train, validation, len(train), len(validation)


def build_model(args):
    """``(base, model)``: VGG16's convolutional base and the base with a new classifier."""
    from polykeras import backend as K
    from polykeras.applications import VGG16
    from polykeras.layers import Dense, Dropout, Flatten
    from polykeras.models import Model, Sequential

    shape = ((args.size, args.size, 3) if K.image_data_format() == "channels_last"
             else (3, args.size, args.size))
    weights = None if args.weights == "none" else args.weights
    base = VGG16(weights=weights, include_top=False, input_shape=shape)
    top = Sequential([Flatten(input_shape=base.output_shape[1:]),
                      Dense(256, activation="relu"),
                      Dropout(0.5),
                      Dense(1, activation="sigmoid")])
    return base, Model(inputs=base.input, outputs=top(base.output))


def snapshot(base):
    import numpy as np
    return {layer.name: [np.array(w) for w in layer.get_weights()] for layer in base.layers}


def moved(before, base):
    """The names of the base's layers whose weights changed since ``before``."""
    import numpy as np
    return sorted(name for name, values in before.items()
                  if any(not np.array_equal(a, b)
                         for a, b in zip(values, base.get_layer(name).get_weights())))


def train(model, flows, epochs, phase):
    """``fit_generator``; the accuracy of the last epoch on the validation flow."""
    train_flow, validation_flow, steps, validation_steps = flows
    start = time.perf_counter()
    model.fit_generator(train_flow, steps_per_epoch=steps, epochs=epochs, verbose=2)
    # Evaluated once per phase rather than after every epoch: one compiled test function less.
    _, accuracy = model.evaluate_generator(validation_flow, steps=validation_steps)
    print(f"{phase}: {epochs} epoch(s) in {time.perf_counter() - start:.1f}s, "
          f"val_acc={accuracy:.4f}")
    return accuracy


def main(argv=None):
    args = parse_args(argv)
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    from polykeras import backend as K
    from polykeras.optimizers import SGD
    from polykeras.utils import freeze_weights, set_random_seed, unfreeze_weights

    set_random_seed(args.seed)
    print(f"Backend: {K.backend()}")
    flows = data_flows(args)
    base, model = build_model(args)
    print(f"VGG16 base: {len(base.layers)} layers, {base.count_params():,} parameters; "
          f"with the classifier: {model.count_params():,}")

    # Phase 1: the pre-trained base frozen, the new classifier trained.
    freeze_weights(base)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    print(f"Phase 1: {len(model.trainable_weights)} trainable weight arrays (the classifier's)")
    before = snapshot(base)
    train(model, flows, args.epochs, "Phase 1 (classifier)")
    changed = moved(before, base)
    if changed:
        raise RuntimeError(f"the frozen base changed in phase 1: {changed}")
    print("Phase 1: the VGG16 base is unchanged")

    # Phase 2: the last convolutional block unfrozen; recompile for it to take effect.
    unfreeze_weights(base, from_layer="block5_conv1")
    model.compile(optimizer=SGD(lr=1e-4, momentum=0.9), loss="binary_crossentropy",
                  metrics=["accuracy"])
    trainable = [layer.name for layer in base.layers if layer.trainable and layer.weights]
    print(f"Phase 2: trainable layers of the base: {trainable}")
    before = snapshot(base)
    accuracy = train(model, flows, args.epochs, "Phase 2 (block 5 + classifier)")
    changed = moved(before, base)
    if changed != ["block5_conv1", "block5_conv2", "block5_conv3"]:
        raise RuntimeError(f"phase 2 should train block 5 only; changed: {changed}")
    print(f"Phase 2: changed layers of the base: {changed}")
    print(f"val_accuracy={accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
