"""Layers merging a list of tensors (Keras 2.2's ``keras.layers.merge``), on the ``K`` API."""

from __future__ import annotations

from .. import backend as K
from ..engine.base_layer import Layer


class _Merge(Layer):
    """Base of the element-wise merge layers.

    Inputs of different ranks are broadcast as in NumPy over their
    non-batch axes (the lower-rank ones get unit axes after the batch axis).

    Raises:
        ValueError: fewer than two inputs, different batch sizes, or shapes
            that do not broadcast.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _merge_function(self, inputs):
        raise NotImplementedError(f"{type(self).__name__} does not define _merge_function")

    def _compute_elemwise_op_output_shape(self, shape1, shape2):
        if shape1 is None or shape2 is None:
            return None
        if len(shape1) < len(shape2):
            return self._compute_elemwise_op_output_shape(shape2, shape1)
        if not shape2:
            return tuple(shape1)
        output_shape = list(shape1[:-len(shape2)])
        for i, j in zip(shape1[-len(shape2):], shape2):
            if i is None or j is None:
                output_shape.append(None)
            elif i == 1:
                output_shape.append(j)
            elif j == 1 or i == j:
                output_shape.append(i)
            else:
                raise ValueError(f"{type(self).__name__} layer {self.name!r}: Expected inputs "
                                 "whose "
                                 f"shapes broadcast together. Received: shapes {tuple(shape1)} and "
                                 f"{tuple(shape2)}")
        return tuple(output_shape)

    def __call__(self, inputs, **kwargs):
        # Layer.__call__ unwraps a one-element list before build(); name that case here.
        if isinstance(inputs, (list, tuple)) and len(inputs) < 2:
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: Expected a list of at "
                             f"least 2 inputs. Received: {len(inputs)} input(s)")
        return super().__call__(inputs, **kwargs)

    def _check_input_list(self, input_shape):
        if not isinstance(input_shape, list):
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: Expected a list of input "
                             f"tensors. Received: a single input of shape {input_shape}")
        if len(input_shape) < 2:
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: Expected a list of at "
                             f"least 2 inputs. Received: {len(input_shape)} input(s)")

    def build(self, input_shape):
        self._check_input_list(input_shape)
        batch_sizes = {s[0] for s in input_shape if s is not None} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: Expected inputs with the "
                             f"same batch size. Received: shapes {input_shape}")
        output_shape = None if input_shape[0] is None else tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            output_shape = self._compute_elemwise_op_output_shape(
                output_shape, None if shape is None else tuple(shape[1:]))
        self._reshape_required = not (None not in input_shape
                                      and len({len(s) for s in input_shape}) == 1)
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, list):
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: Expected a list of input "
                             f"tensors. Received: {inputs!r}")
        if self._reshape_required:
            ndims = [K.ndim(x) for x in inputs]
            max_ndim = max(ndims)
            expanded = []
            for x, ndim in zip(inputs, ndims):
                for _ in range(max_ndim - ndim):
                    x = K.expand_dims(x, 1)
                expanded.append(x)
            return self._merge_function(expanded)
        return self._merge_function(inputs)

    def compute_output_shape(self, input_shape):
        output_shape = None if input_shape[0] is None else tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            output_shape = self._compute_elemwise_op_output_shape(
                output_shape, None if shape is None else tuple(shape[1:]))
        batch_sizes = {s[0] for s in input_shape if s is not None} - {None}
        batch = batch_sizes.pop() if len(batch_sizes) == 1 else None
        return None if output_shape is None else (batch,) + output_shape

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, list) or len(mask) != len(inputs):
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: Expected one mask per "
                             f"input. Received: {mask!r}")
        if all(m is None for m in mask):
            return None
        masks = [K.expand_dims(m, axis=0) for m in mask if m is not None]
        return K.all(K.concatenate(masks, axis=0), axis=0, keepdims=False)


class Add(_Merge):
    """Element-wise sum of a list of inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output


class Subtract(_Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs).

    Raises:
        ValueError: not exactly two inputs.
    """

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"Subtract layer {self.name!r}: Expected exactly 2 inputs. "
                             f"Received: {len(input_shape)} inputs")

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"Subtract layer {self.name!r}: Expected exactly 2 inputs. "
                             f"Received: {len(inputs)} inputs")
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    """Element-wise product of a list of inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output * x
        return output


class Average(_Merge):
    """Element-wise mean of a list of inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / len(inputs)


class Maximum(_Merge):
    """Element-wise maximum of a list of inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = K.maximum(output, x)
        return output


class Minimum(_Merge):
    """Element-wise minimum of a list of inputs."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = K.minimum(output, x)
        return output


class Concatenate(_Merge):
    """Concatenate a list of inputs along ``axis`` (default -1, the last).

    Raises:
        ValueError: inputs whose shapes differ outside the concatenation axis.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self._reshape_required = False

    def build(self, input_shape):
        self._check_input_list(input_shape)
        if all(shape is None for shape in input_shape):
            self.built = True
            return
        known = [list(s) for s in input_shape if s is not None]
        ranks = {len(s) for s in known}
        if len(ranks) > 1:
            raise ValueError(f"Concatenate layer {self.name!r}: Expected inputs of the same rank. "
                             f"Received: shapes {input_shape}")
        rank = ranks.pop()
        if not -rank <= self.axis < rank:
            raise ValueError(f"Concatenate layer {self.name!r}: Expected axis in [{-rank}, "
                             f"{rank}). "
                             f"Received: axis={self.axis}")
        reduced = set()
        for shape in known:
            del shape[self.axis]
            reduced.add(tuple(shape))
        # Unknown sizes match anything.
        for position in range(rank - 1):
            sizes = {s[position] for s in reduced} - {None}
            if len(sizes) > 1:
                raise ValueError(f"Concatenate layer {self.name!r}: Expected inputs with matching "
                                 f"shapes except along the concatenation axis {self.axis}. "
                                 f"Received: shapes {input_shape}")
        self.built = True

    def _merge_function(self, inputs):
        return K.concatenate(inputs, axis=self.axis)

    def call(self, inputs):
        if not isinstance(inputs, list):
            raise ValueError(f"Concatenate layer {self.name!r}: Expected a list of input tensors. "
                             f"Received: {inputs!r}")
        return self._merge_function(inputs)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, list):
            raise ValueError(f"Concatenate layer {self.name!r}: Expected a list of input shapes. "
                             f"Received: {input_shape}")
        output_shape = list(input_shape[0])
        for shape in input_shape[1:]:
            if output_shape[self.axis] is None or shape[self.axis] is None:
                output_shape[self.axis] = None
                break
            output_shape[self.axis] += shape[self.axis]
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, list) or len(mask) != len(inputs):
            raise ValueError(f"Concatenate layer {self.name!r}: Expected one mask per input. "
                             f"Received: {mask!r}")
        if all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                masks.append(K.cast(K.ones_like(x), "bool"))
            elif K.ndim(m) < K.ndim(x):
                masks.append(K.expand_dims(m))
            else:
                masks.append(m)
        return K.all(K.concatenate(masks, axis=self.axis), axis=-1, keepdims=False)

    def get_config(self):
        config = {"axis": self.axis}
        return {**super().get_config(), **config}


class Dot(_Merge):
    """Dot product of two inputs along ``axes`` (per sample, with ``K.batch_dot``).

    Args:
        axes: an int, or a pair of ints (one per input); axis 0 is the batch.
        normalize: L2-normalize both inputs along ``axes`` first (cosine proximity).

    Raises:
        ValueError: not two inputs, or sizes that differ along ``axes``.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)) or len(axes) != 2 \
                    or not all(isinstance(a, int) for a in axes):
                raise TypeError("Dot: Expected axes as an int or a pair of ints. Received: "
                                f"axes={axes!r}")
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = True
        self._reshape_required = False

    def _resolved_axes(self, shape1, shape2):
        if isinstance(self.axes, int):
            if self.axes < 0:
                return [self.axes % len(shape1), self.axes % len(shape2)]
            return [self.axes, self.axes]
        return [a % len(s) if a < 0 else a for a, s in zip(self.axes, (shape1, shape2))]

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError(f"Dot layer {self.name!r}: Expected a list of 2 inputs. Received: "
                             f"{input_shape}")
        shape1, shape2 = input_shape
        if shape1 is None or shape2 is None:
            self.built = True
            return
        axes = self._resolved_axes(shape1, shape2)
        if shape1[axes[0]] is not None and shape2[axes[1]] is not None \
                and shape1[axes[0]] != shape2[axes[1]]:
            raise ValueError(f"Dot layer {self.name!r}: Expected inputs of equal size along axes "
                             f"{axes}. Received: {shape1[axes[0]]} != {shape2[axes[1]]} "
                             f"(shapes {shape1} and {shape2})")
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, list) or len(inputs) != 2:
            raise ValueError(f"Dot layer {self.name!r}: Expected a list of 2 inputs. Received: "
                             f"{inputs!r}")
        x1, x2 = inputs
        axes = self._resolved_axes(K.int_shape(x1), K.int_shape(x2))
        if self.normalize:
            x1 = K.l2_normalize(x1, axis=axes[0])
            x2 = K.l2_normalize(x2, axis=axes[1])
        return K.batch_dot(x1, x2, axes)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError(f"Dot layer {self.name!r}: Expected a list of 2 input shapes. "
                             f"Received: {input_shape}")
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        axes = self._resolved_axes(shape1, shape2)
        shape1.pop(axes[0])
        shape2.pop(axes[1])
        shape2.pop(0)
        output_shape = shape1 + shape2
        if len(output_shape) == 1:
            output_shape += [1]
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = {"axes": self.axes, "normalize": self.normalize}
        return {**super().get_config(), **config}


def add(inputs, **kwargs):
    """Functional form of :class:`Add`: ``add([x1, x2, ...])``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of :class:`Subtract`: ``subtract([x1, x2])``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of :class:`Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of :class:`Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of :class:`Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of :class:`Minimum`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of :class:`Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """Functional form of :class:`Dot`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]
