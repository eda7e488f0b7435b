"""Training-step speed: a 784-256-128-10 MLP step built with placeholder/gradients/function,
against a hand-written step in each backend's own framework, measured in the same run.

    python benchmarks/train_step.py [--json PATH] [--repeats N]

The model is the Keras MNIST tutorial's (relu, relu, softmax, categorical
cross-entropy) trained with RMSprop (lr 0.001, rho 0.9, epsilon 1e-7)
written with API functions and ``updates``. References: PyTorch nn.Linear +
torch.optim.RMSprop; JAX a jax.jit step; NumPy hand-written backpropagation.
Targets: JAX <= 1.1x, PyTorch <= 1.25x, NumPy <= 1.5x (seconds per step, medians).
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import interleaved  # noqa: E402

SIZES = (784, 256, 128, 10)
BATCH = 128
LR, RHO, EPS = 0.001, 0.9, 1e-7


def _data():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (BATCH, SIZES[0])).astype("float32")
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, BATCH)]
    weights = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        limit = np.sqrt(6 / (fan_in + fan_out))
        weights += [rng.uniform(-limit, limit, (fan_in, fan_out)).astype("float32"),
                    np.zeros(fan_out, "float32")]
    return x, y, weights


def polykeras_step(backend_name, x_value, y_value, weights):
    """A compiled training step written only with the backend API."""
    from polykeras import backend as K
    with K.use_backend(backend_name):
        x = K.placeholder(shape=(None, SIZES[0]))
        y = K.placeholder(shape=(None, SIZES[-1]))
        params = [K.variable(w) for w in weights]
        h = x
        for i in range(0, len(params), 2):
            h = K.dot(h, params[i]) + params[i + 1]
            h = K.relu(h) if i < len(params) - 2 else K.softmax(h)
        loss = K.mean(K.categorical_crossentropy(y, h))
        grads = K.gradients(loss, params)
        updates = []
        for p, g in zip(params, grads):
            accumulator = K.zeros(K.int_shape(p))
            new_accumulator = RHO * accumulator + (1.0 - RHO) * K.square(g)
            updates += [(accumulator, new_accumulator),
                        (p, p - LR * g / (K.sqrt(new_accumulator) + EPS))]
        step = K.function([x, y], [loss], updates=updates)
    return lambda: step([x_value, y_value])


def torch_reference(x_value, y_value, weights):
    import torch
    layers = []
    for i in range(0, len(weights), 2):
        linear = torch.nn.Linear(*weights[i].shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weights[i].T))
            linear.bias.copy_(torch.from_numpy(weights[i + 1]))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    optimizer = torch.optim.RMSprop(model.parameters(), lr=LR, alpha=RHO, eps=EPS)
    x, y = torch.from_numpy(x_value), torch.from_numpy(y_value)

    def step():
        optimizer.zero_grad()
        logits = model(x)
        loss = -(y * torch.log_softmax(logits, -1)).sum(-1).mean()
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


def jax_reference(x_value, y_value, weights):
    import jax
    import jax.numpy as jnp

    def loss_fn(params, x, y):
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i < len(params) - 2:
                h = jax.nn.relu(h)
        return -(y * jax.nn.log_softmax(h)).sum(-1).mean()

    @jax.jit
    def step(params, accumulators, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        accumulators = [RHO * a + (1 - RHO) * g * g for a, g in zip(accumulators, grads)]
        params = [p - LR * g / (jnp.sqrt(a) + EPS) for p, g, a in zip(params, grads, accumulators)]
        return loss, params, accumulators

    state = {"params": [jnp.asarray(w) for w in weights],
             "acc": [jnp.zeros(w.shape, "float32") for w in weights]}
    x, y = jnp.asarray(x_value), jnp.asarray(y_value)

    def run():
        loss, state["params"], state["acc"] = step(state["params"], state["acc"], x, y)
        return float(loss)
    return run


def numpy_reference(x_value, y_value, weights):
    params = [w.copy() for w in weights]
    accumulators = [np.zeros_like(w) for w in weights]

    def run():
        activations = [x_value]
        h = x_value
        for i in range(0, len(params), 2):
            z = h @ params[i] + params[i + 1]
            h = np.maximum(z, 0) if i < len(params) - 2 else z
            activations.append(h)
        z = h - h.max(-1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(-1, keepdims=True)
        loss = -(y_value * np.log(np.clip(p, 1e-7, 1))).sum(-1).mean()
        delta = (p - y_value) / len(x_value)
        grads = [None] * len(params)
        for i in range(len(params) - 2, -1, -2):
            grads[i] = activations[i // 2].T @ delta
            grads[i + 1] = delta.sum(0)
            if i:
                delta = (delta @ params[i].T) * (activations[i // 2] > 0)
        for j, (param, grad) in enumerate(zip(params, grads)):
            accumulators[j] *= RHO
            accumulators[j] += (1 - RHO) * grad * grad
            param -= LR * grad / (np.sqrt(accumulators[j]) + EPS)
        return loss
    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description="polykeras training-step benchmark")
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--backends", default="numpy,torch,jax")
    args = parser.parse_args(argv)
    x, y, weights = _data()
    references = {"numpy": numpy_reference, "torch": torch_reference, "jax": jax_reference}
    targets = {"numpy": 1.5, "torch": 1.25, "jax": 1.1}
    rows = []
    for name in args.backends.split(","):
        times = interleaved({"polykeras": polykeras_step(name, x, y, weights),
                             "reference": references[name](x, y, weights)}, repeats=args.repeats,
                            warmup=5)
        rows.append({"backend": name, "polykeras_s": times["polykeras"],
                     "reference_s": times["reference"],
                     "ratio": times["polykeras"] / times["reference"]})
    print(f"{'backend':8} {'polykeras ms/step':>18} {'reference ms/step':>18} {'ratio':>7} "
          f"{'target':>7}")
    for r in rows:
        print(f"{r['backend']:8} {r['polykeras_s'] * 1e3:18.3f} {r['reference_s'] * 1e3:18.3f} "
              f"{r['ratio']:7.2f} "
              f"{targets[r['backend']]:7.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
