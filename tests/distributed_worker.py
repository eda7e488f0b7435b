"""One process of the two-process training tests (tests/test_distribute.py).

Usage: python distributed_worker.py BACKEND OUT_DIR, in the environment of the
backend's launcher (torchrun's RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT, or JAX's
JAX_PROCESS_ID/JAX_NUM_PROCESSES/JAX_COORDINATOR_ADDRESS). In turn:

1. fit on the global arrays of ``data()`` (batch 8, 3 steps, no shuffle);
2. fit_generator on a Sequence of batches of 4 (each step: one batch per process,
   8 samples; 3 more steps); the weights after 1 and 2 go to OUT_DIR/rank<r>_<phase>.npz;
3. rank 1 exits abruptly (code 3) after one more step; rank 0 keeps training and must
   fail with an error (it prints TRAINING FAILED and exits with code 7).

Rank 1 starts from other weights than rank 0 on purpose: training must start from
rank 0's.
"""

import os
import sys
import time

import numpy as np

BACKEND, OUT = sys.argv[1], sys.argv[2]
os.environ["KERAS_BACKEND"] = BACKEND

from polykeras import distribute  # noqa: E402

distribute.initialize(timeout=15)

import polykeras as keras  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_distribute import BATCH, LR, data, initial_weights  # noqa: E402


class Batches(keras.utils.Sequence):
    def __init__(self, x, y, size):
        self.x, self.y, self.size = x, y, size

    def __len__(self):
        return len(self.x) // self.size

    def __getitem__(self, i):
        return self.x[i * self.size:(i + 1) * self.size], self.y[i * self.size:(i + 1) * self.size]


class DieAfterFirstStep(keras.callbacks.Callback):
    def on_batch_end(self, batch, logs=None):
        if distribute.rank() == 1:
            os._exit(3)


model = keras.models.Sequential([keras.layers.Dense(8, activation="tanh", input_shape=(5,)),
                                 keras.layers.Dense(3, activation="softmax")])
model.set_weights(initial_weights(seed=1 + distribute.rank()))
model.compile(keras.optimizers.SGD(lr=LR), "categorical_crossentropy")
x, y = data()
start = time.time()


def save(phase, history):
    np.savez(os.path.join(OUT, f"rank{distribute.rank()}_{phase}.npz"), *model.get_weights(),
             loss=np.asarray(history.history["loss"]))


try:
    save("arrays", model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0))
    save("sequence", model.fit_generator(Batches(x, y, BATCH // distribute.world_size()),
                                         epochs=1, shuffle=False, workers=0, verbose=0))
    start = time.time()
    model.fit(np.tile(x, (50, 1)), np.tile(y, (50, 1)), batch_size=BATCH, epochs=100,
              shuffle=False, verbose=0, callbacks=[DieAfterFirstStep()])
except Exception as exc:  # noqa: BLE001 - reported to the test
    print(f"TRAINING FAILED after {time.time() - start:.1f}s: {type(exc).__name__}: {exc}",
          flush=True)
    os._exit(7)  # not sys.exit: JAX's shutdown would wait for the dead process
print("TRAINING DID NOT FAIL", flush=True)
