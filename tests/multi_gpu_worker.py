"""multi_gpu_model on JAX with two CPU devices, in its own process (tests/test_distribute.py).

XLA_FLAGS=--xla_force_host_platform_device_count=2 must be set before JAX is
imported, so this runs in a fresh interpreter: ``python multi_gpu_worker.py OUT.npz``.
It trains a template model and its 2-replica parallel model on the batches of
tests/distributed_worker.py's data (21 samples, batches of 8: the last batch of
5 is not divisible by 2) and saves the weights, predictions and what it observed.
With GPUs present, JAX's devices are the GPUs and the same script uses them.
"""

import os
import sys

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=2")
os.environ["KERAS_BACKEND"] = "jax"

import jax  # noqa: E402
import numpy as np  # noqa: E402

import polykeras as keras  # noqa: E402
from polykeras.utils import multi_gpu_model  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from test_distribute import BATCH, LR, data, initial_weights  # noqa: E402

x, y = data(21)
template = keras.models.Sequential([keras.layers.Dense(8, activation="tanh", input_shape=(5,)),
                                    keras.layers.Dense(3, activation="softmax")])
template.set_weights(initial_weights(1))
parallel = multi_gpu_model(template, gpus=2)
parallel.compile(keras.optimizers.SGD(lr=LR), "categorical_crossentropy", metrics=["acc"])
history = parallel.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
kernel = template.layers[0].kernel.value
too_many = ""
try:
    multi_gpu_model(template, gpus=len(jax.local_devices()) + 1)
except ValueError as exc:
    too_many = str(exc)
np.savez(sys.argv[1], *template.get_weights(), loss=np.asarray(history.history["loss"]),
         parallel_predict=parallel.predict(x, batch_size=6),
         template_predict=template.predict(x, batch_size=21),
         devices_of_weights=np.asarray(len(kernel.sharding.device_set)),
         too_many=np.asarray(too_many))
