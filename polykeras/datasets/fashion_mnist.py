"""Fashion-MNIST: 70,000 28x28 grayscale images of 10 kinds of clothing (Zalando Research).

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal,
6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot. ``load_data()`` downloads the four
IDX files once into ``$KERAS_HOME/datasets/fashion-mnist`` (default
``~/.keras/datasets/fashion-mnist``), checks their md5s and reads the cached
copies afterwards, offline.
"""

from __future__ import annotations

import os

from ._files import fetch
from .mnist import read_idx

BASES = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
         "https://storage.googleapis.com/tensorflow/tf-keras-datasets/")
CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")
#: The md5s published with the files (Keras 2.2.4 checked none).
FILES = {
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
}


def load_data():
    """The Fashion-MNIST dataset.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        ``(n, 28, 28)`` (60,000 for training, 10,000 for testing) and uint8
        labels of shape ``(n,)``.

    Raises:
        FileNotFoundError: a file neither cached nor downloadable; the
            message names the URL and the cache path to put it at.
        ValueError: a damaged IDX file, or images and labels that do not pair up.
    """
    arrays = {}
    for name, file_hash in FILES.items():
        path = fetch("fashion_mnist.load_data", name, [base + name for base in BASES],
                     file_hash=file_hash, cache_subdir=CACHE_SUBDIR)
        arrays[name] = read_idx(path)
    splits = []
    for split in ("train", "t10k"):
        images = arrays[f"{split}-images-idx3-ubyte.gz"]
        labels = arrays[f"{split}-labels-idx1-ubyte.gz"]
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"fashion_mnist.load_data: Expected images (n, 28, 28) and n labels "
                             f"for {split}. Received: shapes {images.shape} and {labels.shape}")
        splits.append((images, labels))
    return tuple(splits)
