"""Conformance cases: convolutions, pooling, resizing, padding and normalization.

References are direct loops over output positions in float64, written from
the definitions (cross-correlation, TensorFlow's 'same' padding, transposed
convolution as a scatter), independent of every backend.
"""

import itertools

import numpy as np

from ..framework import Case, ErrorCase, cases_for


def _same_pads(sizes, kernel, strides, dilation):
    pads = []
    for n, k, s, d in zip(sizes, kernel, strides, dilation):
        eff = (k - 1) * d + 1
        total = max((-(-n // s) - 1) * s + eff - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def ref_conv(x, kernel, strides, padding, dilation, channels_last=True, groups=1):
    """x (N, *S, C) channels_last; kernel (*k, C / groups, O); loops over output positions."""
    if not channels_last:
        x = np.moveaxis(x, 1, -1)
    rank = kernel.ndim - 2
    ksize = kernel.shape[:rank]
    sizes = x.shape[1:1 + rank]
    if padding == "same":
        pads = _same_pads(sizes, ksize, strides, dilation)
    elif padding == "causal":
        pads = [((ksize[0] - 1) * dilation[0], 0)]
    else:
        pads = [(0, 0)] * rank
    x = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    outs = [(x.shape[1 + i] - ((ksize[i] - 1) * dilation[i] + 1)) // strides[i] + 1
            for i in range(rank)]
    cin_g = kernel.shape[-2]
    cout_g = kernel.shape[-1] // groups
    out = np.zeros((x.shape[0], *outs, kernel.shape[-1]))
    for pos in itertools.product(*[range(o) for o in outs]):
        for kpos in itertools.product(*[range(k) for k in ksize]):
            src = tuple(p * s + k * d for p, s, k, d in zip(pos, strides, kpos, dilation))
            patch = x[(slice(None),) + src]                       # (N, C)
            for g in range(groups):
                w = kernel[kpos][:, g * cout_g:(g + 1) * cout_g]  # (cin_g, cout_g)
                out[(slice(None),) + pos + (slice(g * cout_g, (g + 1) * cout_g),)] += \
                    patch[:, g * cin_g:(g + 1) * cin_g] @ w
    return out if channels_last else np.moveaxis(out, -1, 1)


def ref_conv_transpose(x, kernel, output_shape, strides, padding, channels_last=True,
                       dilation=None):
    """Scatter definition: out[i * s + k * d - low] += x[i] @ kernel[k].T, kernel (*k, out, in).

    ``low`` is the leading padding of the forward convolution from ``output_shape`` (TensorFlow's
    'same' rule with the dilated kernel size ``(k - 1) * d + 1``; 0 for 'valid').
    """
    if not channels_last:
        x = np.moveaxis(x, 1, -1)
        output_shape = (output_shape[0],) + tuple(output_shape[2:]) + (output_shape[1],)
    rank = kernel.ndim - 2
    ksize = kernel.shape[:rank]
    dilation = dilation or (1,) * rank
    outs = output_shape[1:1 + rank]
    lows = []
    for n_out, n_in, k, s, d in zip(outs, x.shape[1:1 + rank], ksize, strides, dilation):
        effective = (k - 1) * d + 1
        total = max((n_in - 1) * s + effective - n_out, 0) if padding == "same" else 0
        lows.append(total // 2)
    out = np.zeros(output_shape)
    for pos in itertools.product(*[range(n) for n in x.shape[1:1 + rank]]):
        for kpos in itertools.product(*[range(k) for k in ksize]):
            dst = tuple(p * s + k * d - lo
                        for p, s, k, d, lo in zip(pos, strides, kpos, dilation, lows))
            if all(0 <= i < n for i, n in zip(dst, outs)):
                out[(slice(None),) + dst] += x[(slice(None),) + pos] @ kernel[kpos].T
    return out if channels_last else np.moveaxis(out, -1, 1)


def ref_pool(x, window, strides, padding, mode, channels_last=True):
    if not channels_last:
        x = np.moveaxis(x, 1, -1)
    rank = len(window)
    sizes = x.shape[1:1 + rank]
    pads = _same_pads(sizes, window, strides, (1,) * rank) if padding == "same" else [(0, 0)] * rank
    outs = [(n + lo + hi - w) // s + 1 for n, (lo, hi), w, s in zip(sizes, pads, window, strides)]
    out = np.zeros((x.shape[0], *outs, x.shape[-1]))
    for pos in itertools.product(*[range(o) for o in outs]):
        cells = []
        for wpos in itertools.product(*[range(w) for w in window]):
            src = tuple(p * s + w - lo for p, s, w, (lo, _) in zip(pos, strides, wpos, pads))
            if all(0 <= i < n for i, n in zip(src, sizes)):
                cells.append(x[(slice(None),) + src])
        cells = np.stack(cells)
        out[(slice(None),) + pos] = cells.max(0) if mode == "max" else cells.mean(0)
    return out if channels_last else np.moveaxis(out, -1, 1)


def _tol(dtype):
    return {"rtol": 1e-3, "atol": 1e-3} if dtype == "float32" else {}


def _f(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


@cases_for("conv1d")
def _conv1d(rng):
    for (batch, steps, cin, cout, k), s, pad, d, fmt, dtype in [
            ((2, 9, 3, 4, 3), 1, "valid", 1, "channels_last", "float64"),
            ((1, 10, 2, 3, 4), 2, "same", 1, "channels_last", "float32"),
            ((3, 8, 2, 2, 3), 1, "causal", 2, "channels_last", "float64"),
            ((2, 11, 3, 2, 2), 3, "same", 1, "channels_first", "float64"),
            ((2, 7, 1, 1, 1), 1, "valid", 1, "channels_last", "float16")]:
        x = _f(rng, (batch, steps, cin), dtype)
        kernel = _f(rng, (k, cin, cout), dtype)
        expected = ref_conv(x.astype(np.float64), kernel.astype(np.float64), (s,), pad, (d,))
        if fmt == "channels_first":
            x, expected = np.moveaxis(x, -1, 1).copy(), np.moveaxis(expected, -1, 1)
        yield Case(args=(x, kernel),
                   kwargs={"strides": s, "padding": pad, "data_format": fmt, "dilation_rate": d},
                   expected=expected, dtype=dtype, **_tol(dtype))
    yield ErrorCase(args=(_f(rng, (2, 5, 3), "float32"), _f(rng, (2, 4, 1), "float32")),
                    match="channels")
    yield ErrorCase(args=(_f(rng, (2, 5, 3), "float32"), _f(rng, (2, 3, 1), "float32")),
                    kwargs={"padding": "full"}, match="padding")


CONV2D = [((2, 7, 6, 3, 4, 3, 3), (1, 1), "valid", (1, 1)),
          ((1, 8, 8, 2, 3, 3, 3), (2, 2), "same", (1, 1)),
          ((2, 9, 7, 2, 2, 3, 2), (1, 2), "same", (2, 1)),
          ((3, 5, 5, 1, 2, 1, 1), (2, 1), "valid", (1, 1)),
          ((1, 6, 7, 3, 2, 2, 3), (3, 2), "same", (1, 1))]


@cases_for("conv2d")
def _conv2d(rng):
    for (batch, h, w, cin, cout, kh, kw), s, pad, d in CONV2D:
        for fmt, dtype in (("channels_last", "float64"), ("channels_first", "float32")):
            x = _f(rng, (batch, h, w, cin), dtype)
            kernel = _f(rng, (kh, kw, cin, cout), dtype)
            expected = ref_conv(x.astype(np.float64), kernel.astype(np.float64), s, pad, d)
            if fmt == "channels_first":
                x, expected = np.moveaxis(x, -1, 1).copy(), np.moveaxis(expected, -1, 1)
            yield Case(args=(x, kernel), kwargs={"strides": s, "padding": pad, "data_format": fmt,
                                                 "dilation_rate": d}, expected=expected,
                       dtype=dtype, **_tol(dtype))
    x16 = _f(rng, (1, 5, 5, 2), "float16")
    k16 = _f(rng, (3, 3, 2, 2), "float16")
    yield Case(args=(x16, k16),
               expected=ref_conv(x16.astype(np.float64), k16.astype(np.float64), (1, 1), "valid",
                                 (1, 1)), dtype="float16", rtol=2e-2, atol=5e-2)
    yield ErrorCase(args=(_f(rng, (1, 5, 5, 2), "float32"), _f(rng, (3, 3, 2), "float32")),
                    match="kernel")
    yield ErrorCase(args=(_f(rng, (1, 5, 5, 2), "float32"), _f(rng, (3, 3, 3, 2), "float32")),
                    match="channels")
    yield ErrorCase(args=(_f(rng, (1, 5, 5, 2), "float32"), _f(rng, (3, 3, 2, 2), "float32")),
                    kwargs={"data_format": "NHWC"}, match="data_format")


@cases_for("conv3d")
def _conv3d(rng):
    for shape, k, s, pad, fmt in [((2, 5, 4, 6, 2), (2, 3, 2), (1, 1, 2), "valid", "channels_last"),
                                  ((1, 4, 5, 5, 3), (3, 3, 3), (2, 2, 1), "same",
                                   "channels_first")]:
        x = _f(rng, shape, "float64")
        kernel = _f(rng, k + (shape[-1], 2), "float64")
        expected = ref_conv(x, kernel, s, pad, (1, 1, 1))
        if fmt == "channels_first":
            x, expected = np.moveaxis(x, -1, 1).copy(), np.moveaxis(expected, -1, 1)
        yield Case(args=(x, kernel), kwargs={"strides": s, "padding": pad, "data_format": fmt},
                   expected=expected, dtype="float64")


@cases_for("conv2d_transpose")
def _conv2d_transpose(rng):
    for (batch, h, w, cin, cout, kh, kw), s, pad, out_hw, d in [
            ((2, 3, 4, 3, 2, 3, 3), (2, 2), "same", (6, 8), (1, 1)),
            ((1, 3, 3, 2, 3, 3, 2), (1, 1), "valid", (5, 4), (1, 1)),
            ((2, 4, 3, 2, 2, 2, 2), (2, 3), "valid", (8, 9), (1, 1)),
            ((1, 3, 3, 1, 2, 3, 3), (2, 2), "same", (5, 5), (1, 1)),
            ((1, 2, 2, 2, 1, 4, 4), (3, 3), "valid", (7, 8), (1, 1)),
            # dilated: Keras 2.2.4's atrous case (equal rates, stride 1) and the general one
            ((2, 4, 5, 2, 3, 3, 3), (1, 1), "same", (4, 5), (2, 2)),
            ((1, 4, 3, 3, 2, 3, 2), (1, 1), "valid", (8, 6), (2, 3)),
            ((1, 3, 4, 2, 2, 3, 2), (2, 2), "valid", (9, 9), (2, 2)),
            ((2, 3, 3, 2, 1, 2, 3), (2, 1), "same", (6, 3), (3, 2))]:
        for fmt, dtype in (("channels_last", "float64"), ("channels_first", "float32")):
            x = _f(rng, (batch, h, w, cin), dtype)
            kernel = _f(rng, (kh, kw, cout, cin), dtype)
            output_shape = (batch,) + out_hw + (cout,)
            expected = ref_conv_transpose(x.astype(np.float64), kernel.astype(np.float64),
                                          output_shape, s, pad, dilation=d)
            if fmt == "channels_first":
                x, expected = np.moveaxis(x, -1, 1).copy(), np.moveaxis(expected, -1, 1)
                output_shape = (batch, cout) + out_hw
            kwargs = {"strides": s, "padding": pad, "data_format": fmt}
            if d != (1, 1):
                kwargs["dilation_rate"] = d
            yield Case(args=(x, kernel, output_shape), kwargs=kwargs, expected=expected,
                       dtype=dtype, label=f"dilation_rate={d}", **_tol(dtype))
    yield ErrorCase(args=(_f(rng, (1, 3, 3, 2), "float32"), _f(rng, (3, 3, 2, 2), "float32"),
                          (1, 9, 9, 2)),
                    kwargs={"strides": (2, 2), "padding": "same"}, match="output_shape")
    # with dilation 2 a 3-tap kernel spans 5: a valid forward convolution of 7 gives 3, not 5
    yield ErrorCase(args=(_f(rng, (1, 5, 5, 2), "float32"), _f(rng, (3, 3, 2, 2), "float32"),
                          (1, 7, 7, 2)),
                    kwargs={"padding": "valid", "dilation_rate": (2, 2)}, match="output_shape",
                    label="output_shape ignoring the dilation")
    yield ErrorCase(args=(_f(rng, (1, 3, 3, 2), "float32"), _f(rng, (3, 3, 2, 2), "float32"),
                          (1, 3, 3, 2)),
                    kwargs={"padding": "same", "dilation_rate": (0, 1)}, match="dilation_rate")


@cases_for("conv3d_transpose")
def _conv3d_transpose(rng):
    x = _f(rng, (1, 2, 3, 2, 2), "float64")
    kernel = _f(rng, (2, 2, 3, 3, 2), "float64")
    for s, pad, outs in (((2, 1, 2), "valid", (4, 4, 5)), ((2, 2, 1), "same", (4, 6, 2))):
        output_shape = (1,) + outs + (3,)
        yield Case(args=(x, kernel, output_shape), kwargs={"strides": s, "padding": pad},
                   expected=ref_conv_transpose(x, kernel, output_shape, s, pad), dtype="float64")


def _ref_depthwise(x, dk, s, pad, d):
    cin, mult = dk.shape[-2:]
    grouped = dk.reshape(dk.shape[:-2] + (1, cin * mult))
    return ref_conv(x, grouped, s, pad, d, groups=cin)


@cases_for("depthwise_conv2d")
def _depthwise(rng):
    for s, pad, d, mult in (((1, 1), "valid", (1, 1), 1), ((2, 2), "same", (1, 1), 2),
                            ((1, 1), "same", (2, 2), 3)):
        x = _f(rng, (2, 7, 6, 3), "float64")
        dk = _f(rng, (3, 3, 3, mult), "float64")
        yield Case(args=(x, dk), kwargs={"strides": s, "padding": pad, "dilation_rate": d},
                   expected=_ref_depthwise(x, dk, s, pad, d), dtype="float64")
    x = _f(rng, (1, 3, 5, 5), "float32")
    dk = _f(rng, (2, 2, 3, 2), "float32")
    expected = np.moveaxis(_ref_depthwise(np.moveaxis(x, 1, -1).astype(np.float64),
                                          dk.astype(np.float64), (1, 1), "valid", (1, 1)), -1, 1)
    yield Case(args=(x, dk), kwargs={"data_format": "channels_first"}, expected=expected,
               dtype="float32", rtol=1e-3, atol=1e-3)
    yield ErrorCase(args=(_f(rng, (1, 5, 5, 3), "float32"), _f(rng, (3, 3, 2, 1), "float32")),
                    match="channels")


@cases_for("separable_conv2d")
def _separable2d(rng):
    for s, pad in (((1, 1), "valid"), ((2, 2), "same")):
        x = _f(rng, (2, 6, 6, 2), "float64")
        dk = _f(rng, (3, 3, 2, 2), "float64")
        pk = _f(rng, (1, 1, 4, 3), "float64")
        expected = ref_conv(_ref_depthwise(x, dk, s, pad, (1, 1)), pk, (1, 1), "valid", (1, 1))
        yield Case(args=(x, dk, pk), kwargs={"strides": s, "padding": pad}, expected=expected,
                   dtype="float64")


@cases_for("separable_conv1d")
def _separable1d(rng):
    for s, pad in ((1, "valid"), (2, "same")):
        x = _f(rng, (2, 9, 3), "float64")
        dk = _f(rng, (3, 3, 2), "float64")
        pk = _f(rng, (1, 6, 4), "float64")
        expected = ref_conv(_ref_depthwise(x, dk, (s,), pad, (1,)), pk, (1,), "valid", (1,))
        yield Case(args=(x, dk, pk), kwargs={"strides": s, "padding": pad}, expected=expected,
                   dtype="float64")


def _ref_local(x, kernel, ksize, strides, channels_last):
    rank = len(ksize)
    if not channels_last:
        x_last = np.moveaxis(x, 1, -1)
    else:
        x_last = x
    sizes = x_last.shape[1:1 + rank]
    outs = [(n - k) // s + 1 for n, k, s in zip(sizes, ksize, strides)]
    out = np.zeros((x.shape[0], *outs, kernel.shape[-1]))
    for index, pos in enumerate(itertools.product(*[range(o) for o in outs])):
        window = tuple(slice(p * s, p * s + k) for p, s, k in zip(pos, strides, ksize))
        patch = x_last[(slice(None),) + window]                         # (N, *k, C)
        if not channels_last:
            patch = np.moveaxis(patch, -1, 1)                           # (N, C, *k)
        out[(slice(None),) + pos] = patch.reshape(x.shape[0], -1) @ kernel[index]
    return out if channels_last else np.moveaxis(out, -1, 1)


@cases_for("local_conv1d")
def _local1d(rng):
    for fmt in ("channels_last", "channels_first"):
        x = _f(rng, (2, 7, 3), "float64")
        kernel = _f(rng, (3, 3 * 3, 2), "float64")  # output length (7 - 3) // 2 + 1 = 3
        xin = x if fmt == "channels_last" else np.moveaxis(x, -1, 1).copy()
        yield Case(args=(xin, kernel, (3,), (2,)), kwargs={"data_format": fmt},
                   expected=_ref_local(xin, kernel, (3,), (2,), fmt == "channels_last"),
                   dtype="float64")
    yield ErrorCase(args=(_f(rng, (2, 7, 3), "float32"), _f(rng, (4, 9, 2), "float32"), (3,), (2,)),
                    match="kernel")


@cases_for("local_conv2d")
def _local2d(rng):
    for fmt in ("channels_last", "channels_first"):
        x = _f(rng, (2, 5, 6, 2), "float64")
        outs = (2, 5)
        kernel = _f(rng, (10, 3 * 2 * 2, 3), "float64")
        xin = x if fmt == "channels_last" else np.moveaxis(x, -1, 1).copy()
        yield Case(args=(xin, kernel, (3, 2), (2, 1), outs), kwargs={"data_format": fmt},
                   expected=_ref_local(xin, kernel, (3, 2), (2, 1), fmt == "channels_last"),
                   dtype="float64")


@cases_for("pool2d")
def _pool2d(rng):
    for shape, window, s, pad in [((2, 6, 6, 3), (2, 2), (2, 2), "valid"),
                                  ((1, 7, 5, 2), (3, 3), (2, 2), "same"),
                                  ((2, 5, 5, 1), (3, 2), (1, 1), "same"),
                                  ((1, 4, 7, 2), (2, 3), (2, 3), "valid")]:
        for mode, fmt in itertools.product(("max", "avg"), ("channels_last", "channels_first")):
            x = _f(rng, shape, "float32")
            expected = ref_pool(x.astype(np.float64), window, s, pad, mode)
            if fmt == "channels_first":
                x, expected = np.moveaxis(x, -1, 1).copy(), np.moveaxis(expected, -1, 1)
            yield Case(args=(x, window),
                       kwargs={"strides": s, "padding": pad, "data_format": fmt, "pool_mode": mode},
                       expected=expected, dtype="float32")
    yield ErrorCase(args=(_f(rng, (1, 4, 4, 1), "float32"), (2, 2)), kwargs={"pool_mode": "min"},
                    match="pool_mode")
    yield ErrorCase(args=(_f(rng, (4, 4, 1), "float32"), (2, 2)), match="rank")


@cases_for("pool3d")
def _pool3d(rng):
    for mode, pad in itertools.product(("max", "avg"), ("valid", "same")):
        x = _f(rng, (1, 4, 5, 3, 2), "float64")
        yield Case(args=(x, (2, 2, 2)),
                   kwargs={"strides": (2, 2, 1), "padding": pad, "pool_mode": mode},
                   expected=ref_pool(x, (2, 2, 2), (2, 2, 1), pad, mode), dtype="float64")


def _ref_bias_add(x, bias, channels_first):
    """Keras 2.2.4's TensorFlow bias_add: a rank-1 bias per channel; a full-rank bias given as
    (*spatial, channels), reshaped (element order kept, not transposed) to (channels, *spatial)
    for channels_first inputs. Explicit loops over every element."""
    x = np.asarray(x, np.float64)
    out = x.copy()
    flat_bias = np.asarray(bias, np.float64).ravel()
    spatial = x.shape[2:] if channels_first else x.shape[1:-1]
    channels = x.shape[1] if channels_first else x.shape[-1]
    for index in itertools.product(*[range(d) for d in x.shape]):
        c = index[1] if channels_first else index[-1]
        position = index[2:] if channels_first else index[1:-1]
        if np.ndim(bias) == 1:
            out[index] += flat_bias[c]
        elif channels_first:  # the reshaped bias has shape (channels, *spatial)
            out[index] += flat_bias[np.ravel_multi_index((c,) + position, (channels,) + spatial)]
        else:
            out[index] += flat_bias[np.ravel_multi_index(position + (c,), spatial + (channels,))]
    return out


@cases_for("bias_add")
def _bias_add(rng):
    for shape in [(4, 3), (2, 5, 3), (2, 4, 4, 3), (2, 2, 3, 4, 3)]:
        for fmt in ("channels_last", "channels_first"):
            x = _f(rng, shape, "float32")
            bias = _f(rng, (3,), "float32")
            if fmt == "channels_first" and len(shape) > 2:
                x = np.moveaxis(x, -1, 1).copy()
                expected = x.astype(np.float64) + bias.reshape((1, 3) + (1,) * (len(shape) - 2))
            else:
                expected = x.astype(np.float64) + bias
            yield Case(args=(x, bias), kwargs={"data_format": fmt}, expected=expected,
                       dtype="float32")
    # a full-rank bias, (*spatial, channels): channels_first reshapes it to (channels, *spatial)
    for shape in [(2, 4, 3), (2, 4, 5, 3), (1, 2, 3, 2, 4)]:
        bias_shape = shape[1:]
        for fmt, dtype in (("channels_last", "float64"), ("channels_first", "float64"),
                           ("channels_first", "float32")):
            x = _f(rng, shape, dtype)
            if fmt == "channels_first":
                x = np.moveaxis(x, -1, 1).copy()
            bias = _f(rng, bias_shape, dtype)
            yield Case(args=(x, bias), kwargs={"data_format": fmt},
                       expected=_ref_bias_add(x, bias, fmt == "channels_first"), dtype=dtype,
                       label=f"full-rank bias {bias_shape}, {fmt}")
    x, full = _f(rng, (2, 4, 5, 3), "float64"), _f(rng, (4, 5, 3), "float64")
    yield Case(args=(x, full), expected=x + full, dtype="float64",
               label="full-rank bias, default format")
    # ranks other than 3-5: the bias goes on the last axis whatever data_format (tf.nn.bias_add)
    x6 = _f(rng, (1, 2, 1, 2, 1, 3), "float64")
    b6 = _f(rng, (3,), "float64")
    yield Case(args=(x6, b6), kwargs={"data_format": "channels_first"}, expected=x6 + b6,
               dtype="float64", label="rank-6 input, channels_first: last axis")
    yield ErrorCase(args=(_f(rng, (2, 4, 3), "float32"), _f(rng, (4,), "float32")), match="bias")
    yield ErrorCase(args=(_f(rng, (2, 4, 3), "float32"), _f(rng, (2, 2, 4, 3), "float32")),
                    match="rank")
    yield ErrorCase(args=(_f(rng, (2, 4, 3), "float32"), _f(rng, (3, 4), "float32")),
                    kwargs={"data_format": "channels_last"}, match="shape",
                    label="full-rank bias of wrong shape")
    yield ErrorCase(args=(_f(rng, (2, 3, 4), "float32"), _f(rng, (3, 4), "float32")),
                    kwargs={"data_format": "channels_first"}, match=r"\(4, 3\)",
                    label="channels_first full-rank bias given channels-first")
    yield ErrorCase(args=(_f(rng, (1, 2, 1, 2, 1, 3), "float32"),
                          _f(rng, (2, 1, 2, 1, 3), "float32")),
                    match="rank 1", label="full-rank bias on a rank-6 input")
    yield ErrorCase(args=(_f(rng, (3,), "float32"), _f(rng, (3,), "float32")), match="rank >= 2")
    yield ErrorCase(args=(_f(rng, (2, 3), "float32"), _f(rng, (3,), "float32")),
                    kwargs={"data_format": "NCHW"}, match="data_format")


@cases_for("batch_normalization")
def _batch_normalization(rng):
    for shape, axis in (((4, 3), -1), ((2, 5, 3), -1), ((2, 3, 4, 4), 1)):
        x = _f(rng, shape, "float64")
        n = shape[axis]
        mean, beta, gamma = (_f(rng, (n,), "float64") for _ in range(3))
        var = rng.uniform(0.5, 2.0, size=(n,))
        b = [1] * len(shape)
        b[axis] = n
        mean_b, var_b, beta_b, gamma_b = (v.reshape(b) for v in (mean, var, beta, gamma))
        expected = (x - mean_b) / np.sqrt(var_b + 1e-3) * gamma_b + beta_b
        yield Case(args=(x, mean, var, beta, gamma), kwargs={"axis": axis}, expected=expected,
                   dtype="float64")
        yield Case(args=(x, mean, var, None, None), kwargs={"axis": axis, "epsilon": 1e-5},
                   expected=(x - mean_b) / np.sqrt(var_b + 1e-5), dtype="float64",
                   label="no beta/gamma")


@cases_for("normalize_batch_in_training")
def _normalize_batch(rng):
    for shape, axes in (((8, 3), [0]), ((4, 5, 3), [0, 1]), ((4, 3, 5, 5), [0, 2, 3])):
        x = _f(rng, shape, "float64") * 2 + 1
        kept = tuple(shape[i] for i in range(len(shape)) if i not in axes)
        gamma, beta = _f(rng, kept, "float64"), _f(rng, kept, "float64")
        mean = x.mean(axis=tuple(axes))
        var = x.var(axis=tuple(axes))
        mean_f, var_f, gamma_f, beta_f = (np.expand_dims(v, axis=tuple(axes))
                                          for v in (mean, var, gamma, beta))
        normed = (x - mean_f) / np.sqrt(var_f + 1e-3) * gamma_f + beta_f
        yield Case(args=(x, gamma, beta, axes), expected=(normed, mean, var), dtype="float64")


@cases_for("resize_images")
def _resize_images(rng):
    x = _f(rng, (2, 3, 4, 2), "float32")
    yield Case(args=(x, 2, 3, "channels_last"),
               expected=x.astype(np.float64).repeat(2, 1).repeat(3, 2), dtype="float32")
    xf = np.moveaxis(x, -1, 1).copy()
    yield Case(args=(xf, 3, 1, "channels_first"), expected=xf.astype(np.float64).repeat(3, 2),
               dtype="float32")

    def bilinear(img, fh, fw):
        out = np.zeros((img.shape[0], img.shape[1] * fh, img.shape[2] * fw, img.shape[3]))
        for i, j in itertools.product(range(out.shape[1]), range(out.shape[2])):
            si, sj = i / fh, j / fw
            i0, j0 = int(np.floor(si)), int(np.floor(sj))
            i1, j1 = min(i0 + 1, img.shape[1] - 1), min(j0 + 1, img.shape[2] - 1)
            a, b = si - i0, sj - j0
            out[:, i, j] = ((1 - a) * (1 - b) * img[:, i0, j0] + (1 - a) * b * img[:, i0, j1]
                            + a * (1 - b) * img[:, i1, j0] + a * b * img[:, i1, j1])
        return out
    yield Case(args=(x, 2, 2, "channels_last"), kwargs={"interpolation": "bilinear"},
               expected=bilinear(x.astype(np.float64), 2, 2), dtype="float32", label="bilinear")
    yield ErrorCase(args=(x, 2, 2, "channels_last"), kwargs={"interpolation": "cubic"},
                    match="interpolation")


@cases_for("resize_volumes")
def _resize_volumes(rng):
    x = _f(rng, (1, 2, 3, 2, 2), "float64")
    yield Case(args=(x, 2, 1, 3, "channels_last"), expected=x.repeat(2, 1).repeat(3, 3),
               dtype="float64")
    yield Case(args=(x, 1, 2, 2, "channels_first"), expected=x.repeat(2, 3).repeat(2, 4),
               dtype="float64")


@cases_for("temporal_padding")
def _temporal_padding(rng):
    x = _f(rng, (2, 4, 3), "float32")
    for pad in ((1, 1), (0, 3), (2, 0)):
        yield Case(args=(x, pad), expected=np.pad(x.astype(np.float64), [(0, 0), pad, (0, 0)]),
                   dtype="float32")
    yield ErrorCase(args=(x, (-1, 1)), match="non-negative")


@cases_for("spatial_2d_padding")
def _spatial_2d_padding(rng):
    x = _f(rng, (2, 3, 4, 2), "float32")
    pad = ((1, 2), (0, 1))
    yield Case(args=(x, pad), kwargs={"data_format": "channels_last"},
               expected=np.pad(x.astype(np.float64), [(0, 0), (1, 2), (0, 1), (0, 0)]),
               dtype="float32")
    yield Case(args=(x, pad), kwargs={"data_format": "channels_first"},
               expected=np.pad(x.astype(np.float64), [(0, 0), (0, 0), (1, 2), (0, 1)]),
               dtype="float32")
    yield ErrorCase(args=(x, ((1, 1),)), match="pairs")


@cases_for("spatial_3d_padding")
def _spatial_3d_padding(rng):
    x = _f(rng, (1, 2, 3, 2, 2), "float64")
    pad = ((1, 0), (0, 2), (1, 1))
    yield Case(args=(x, pad), kwargs={"data_format": "channels_last"},
               expected=np.pad(x, [(0, 0), (1, 0), (0, 2), (1, 1), (0, 0)]), dtype="float64")
    yield Case(args=(x, pad), kwargs={"data_format": "channels_first"},
               expected=np.pad(x, [(0, 0), (0, 0), (1, 0), (0, 2), (1, 1)]), dtype="float64")
