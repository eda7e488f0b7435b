"""Data-parallel MNIST: one model trained by several processes (and devices) at once.

    # PyTorch: torchrun starts the processes (gloo on CPUs, NCCL on GPUs)
    torchrun --nproc_per_node=2 examples/distributed_mnist.py --backend torch --smoke
    torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 --master_addr=HOST --master_port=29500 \\
        examples/distributed_mnist.py --backend torch          # on each machine (node_rank 0, 1)

    # JAX: one process per machine, every device of each in one mesh
    JAX_COORDINATOR_ADDRESS=HOST:29500 JAX_NUM_PROCESSES=2 JAX_PROCESS_ID=0 \\
        python examples/distributed_mnist.py --backend jax    # and JAX_PROCESS_ID=1 on the other

    # one process, several devices of one machine (multi_gpu_model)
    python examples/distributed_mnist.py --backend jax --gpus 2

Started without a launcher, it trains in one process. The MLP of
mnist_mlp.py trains on a *global* batch of ``--batch-size`` samples: each
process computes its share, the gradients are averaged across processes by
the framework's collectives, so the learning rate is the one of a single
process on that batch. Only rank 0 prints and writes the checkpoint
(``--checkpoint``). Every process ends with the same weights; the last line
is ``test_accuracy=0.XXXX`` (rank 0).

``--smoke``: one epoch on 512 generated images (or the first 512 of
``--data``), batches of 128, no validation, in seconds.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

LAUNCHER_VARIABLES = ("WORLD_SIZE", "JAX_NUM_PROCESSES")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("numpy", "torch", "jax"),
                        help="backend to run on (default: KERAS_BACKEND or keras.json); "
                             "numpy: one process, one device")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default 10)")
    parser.add_argument("--data", help="folder with MNIST's IDX files or mnist.npz "
                                       "(default: download into the Keras cache)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="the global batch size (default 256; 128 with --smoke)")
    parser.add_argument("--gpus", default=None,
                        help="multi_gpu_model over this many devices of this process (an int, "
                             "or names such as cpu,cpu on PyTorch)")
    parser.add_argument("--checkpoint", help="HDF5 file rank 0 saves the best model to")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: 512 images (generated unless --data), 1 epoch")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.smoke else 10
    if args.batch_size is None:
        args.batch_size = 128 if args.smoke else 256
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    return args


def launched() -> bool:
    """Whether a launcher (torchrun, or JAX's variables) started this process."""
    return any(os.environ.get(name) for name in LAUNCHER_VARIABLES)


def main(argv=None):
    args = parse_args(argv)
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    from polykeras import distribute
    if launched():
        distribute.initialize()  # before any model: JAX's runtime must start first

    import numpy as np
    from _common import load_mnist, start

    from polykeras import callbacks
    from polykeras.layers import Dense, Dropout
    from polykeras.models import Sequential
    from polykeras.utils import multi_gpu_model, to_categorical

    start(args)
    chief = distribute.is_chief()
    if chief:
        print(f"processes: {distribute.world_size()}, global batch: {args.batch_size}")
    (x_train, y_train), (x_test, y_test) = load_mnist(args.data, args.smoke)
    x_train = x_train.reshape(len(x_train), 784).astype("float32") / 255
    x_test = x_test.reshape(len(x_test), 784).astype("float32") / 255
    y_train, y_test_hot = to_categorical(y_train, 10), to_categorical(y_test, 10)

    model = Sequential([Dense(256, activation="relu", input_shape=(784,)), Dropout(0.3),
                        Dense(10, activation="softmax")])
    trained = model
    if args.gpus:
        gpus = int(args.gpus) if args.gpus.isdigit() else args.gpus.split(",")
        trained = multi_gpu_model(model, gpus=gpus)
    trained.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    checkpoints = []
    if args.checkpoint:  # kept by rank 0 only: the others would write the same file
        checkpoints.append(callbacks.ModelCheckpoint(
            args.checkpoint, monitor="loss" if args.smoke else "val_loss", save_best_only=True))
    # --smoke: batches of one size only (fewer compilations on JAX), no validation
    trained.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                validation_split=0. if args.smoke else 0.1, callbacks=checkpoints, verbose=2)
    loss, accuracy = trained.evaluate(x_test, y_test_hot, batch_size=args.batch_size, verbose=0)
    digest = float(sum(np.abs(w).sum() for w in model.get_weights()))
    print(f"rank {distribute.rank()}: weights digest {digest:.6f} (the same on every process)")
    if chief:
        print(f"test_loss={loss:.4f}")
        print(f"test_accuracy={accuracy:.4f}")
    if distribute.is_initialized():
        distribute.shutdown()
    return accuracy


if __name__ == "__main__":
    from _common import run_script
    run_script(main)
