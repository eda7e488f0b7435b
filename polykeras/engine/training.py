"""The trainable model: :class:`Model` = :class:`~.network.Network` + compile/fit/evaluate/predict.

``compile`` builds the symbolic loss and metrics; the first ``fit`` (or
``train_on_batch``) makes one training function with ``K.function`` and
``optimizer.get_updates`` (built with ``K.gradients``), which every later
batch reuses. Evaluation and prediction get their own functions, made once
as well. The loops themselves live in :mod:`.training_arrays` (NumPy
arrays) and :mod:`.training_generator` (generators and ``Sequence``).
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import backend as K
from .. import distribute
from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers
from ..legacy import interfaces
from ..utils.generic_utils import slice_arrays, to_list, unpack_singleton
from . import training_arrays, training_generator
from .base_layer import Layer
from .input_layer import Input
from .network import Network
from .training_utils import (
    check_array_length_consistency, check_loss_and_target_compatibility, collect_metrics,
    standardize_input_data, standardize_sample_or_class_weights, standardize_weights,
    weighted_masked_objective)


def _check_positive_int(value, name, caller, allow_none=True):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{caller}: Expected {name} to be a positive integer. "
                         f"Received: {name}={value!r}")


class Model(Network):
    """A network with training: ``Model(inputs, outputs, name=None)``.

    After :meth:`compile`, :meth:`fit`, :meth:`evaluate` and the ``*_on_batch``
    methods train and test it; :meth:`predict` works without compiling.
    """

    # -- compile -------------------------------------------------------------------------
    def compile(self, optimizer, loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None, target_tensors=None, **kwargs):
        """Configure training: optimizer, loss(es), metrics.

        Args:
            optimizer: name (``"sgd"``, ``"adam"``...) or optimizer instance.
            loss: name or function; a list or dict (by output name) for
                several outputs. None for an output that has no target.
            metrics: list of names/functions (``"accuracy"`` picks binary,
                categorical or sparse categorical accuracy from the loss and
                output shape), or a dict by output name.
            loss_weights: list or dict of scalars weighting each output's loss.
            sample_weight_mode: None (per sample) or ``"temporal"`` (per
                timestep); a list or dict for several outputs.
            weighted_metrics: metrics weighted by ``sample_weight``/``class_weight``.
            target_tensors: tensors to use as targets instead of placeholders.
            **kwargs: passed on to ``K.function``.

        Trainable weights are collected now: a later change of a layer's
        ``trainable`` flag takes effect at the next ``compile``.

        Raises:
            ValueError: an unknown optimizer, loss or metric name; losses,
                weights or modes given for unknown outputs; no loss at all.
        """
        self.optimizer = self._get_optimizer(optimizer)
        self.loss = loss or []
        self.metrics = metrics or []
        self.loss_weights = loss_weights
        self.sample_weight_mode = sample_weight_mode
        self.weighted_metrics = weighted_metrics
        self._function_kwargs = kwargs
        self._compile_args = dict(optimizer=self.optimizer, loss=loss, metrics=metrics,
                                  loss_weights=loss_weights, sample_weight_mode=sample_weight_mode,
                                  weighted_metrics=weighted_metrics, target_tensors=target_tensors,
                                  **kwargs)
        self.train_function = None
        self.test_function = None
        self.predict_function = None
        if not self.built or not self.outputs:
            # A deferred (no input shape yet) or subclassed model: finished by the first
            # call that sees data.
            self._is_compiled = True
            self._compile_pending = True
            return
        self._compile_pending = False
        self._compile_graph(loss, metrics, loss_weights, sample_weight_mode, weighted_metrics,
                            target_tensors)
        self._is_compiled = True

    @staticmethod
    def _get_optimizer(optimizer):
        try:
            return optimizers.get(optimizer)
        except ValueError as exc:
            raise ValueError(f"compile: unknown optimizer: {exc}") from None

    def _per_output(self, value, what, default):
        """``value`` given per model output (single value, list or dict) as a list."""
        names = self.output_names
        if isinstance(value, dict):
            unknown = [k for k in value if k not in names]
            if unknown:
                raise ValueError(f"compile: {what} given for unknown outputs {unknown}. Expected "
                                 f"keys among {names}")
            return [value.get(name, default) for name in names]
        if isinstance(value, (list, tuple)):
            if len(value) != len(names):
                raise ValueError(f"compile: Expected {what} as a list of {len(names)} entries, one "
                                 f"per output ({names}). Received: {len(value)} entries")
            return list(value)
        return [value] * len(names)

    def _compile_graph(self, loss, metrics, loss_weights, sample_weight_mode, weighted_metrics,
                       target_tensors):
        names = self.output_names
        if isinstance(loss, dict):
            missing = [n for n in names if n not in loss]
            if missing:
                warnings.warn(f"compile: no loss given for outputs {missing}; they are not trained "
                              "(their values are only predicted).")
        loss_list = self._per_output(loss, "loss", None)
        try:
            self.loss_functions = [losses_module.get(l) for l in loss_list]
        except ValueError as exc:
            raise ValueError(f"compile: unknown loss: {exc}") from None
        weighted_losses = [weighted_masked_objective(fn) for fn in self.loss_functions]
        skip_target = {i for i, fn in enumerate(self.loss_functions) if fn is None}
        weights_list = [1. if w is None else w for w in self._per_output(loss_weights, "loss_weights", 1.)]

        masks = self.compute_mask(self.inputs, mask=None)
        masks = [None] * len(self.outputs) if masks is None else to_list(masks)

        if target_tensors is not None:
            target_tensors = self._per_output(target_tensors, "target_tensors", None)
        self.targets = []
        self._feed_targets = []
        self._feed_outputs, self._feed_output_names = [], []
        self._feed_output_shapes, self._feed_loss_fns = [], []
        skip_weighing = set(skip_target)
        for i, output in enumerate(self.outputs):
            if i in skip_target:
                self.targets.append(None)
                continue
            shape = getattr(output, "_keras_shape", None) or K.int_shape(output)
            target = target_tensors[i] if target_tensors is not None else None
            if target is None or K.is_placeholder(target):
                if target is None:
                    target = K.placeholder(shape=self._target_shape(shape, self.loss_functions[i]),
                                           name=names[i] + "_target",
                                           sparse=K.is_sparse(output), dtype=K.dtype(output))
                self._feed_targets.append(target)
                self._feed_outputs.append(output)
                self._feed_output_names.append(names[i])
                self._feed_output_shapes.append(shape)
                self._feed_loss_fns.append(self.loss_functions[i])
            else:
                skip_weighing.add(i)
            self.targets.append(target)

        modes = self._per_output(sample_weight_mode, "sample_weight_mode", None)
        self.sample_weight_modes, self.sample_weights = [], []
        self._feed_sample_weights, self._feed_sample_weight_modes = [], []
        for i, mode in enumerate(modes):
            if mode not in (None, "temporal"):
                raise ValueError(f"compile: Expected sample_weight_mode None or 'temporal'. "
                                 f"Received: {mode!r}")
            if i in skip_weighing:
                self.sample_weight_modes.append(None)
                self.sample_weights.append(None)
                continue
            weight = K.placeholder(ndim=2 if mode == "temporal" else 1,
                                   name=names[i] + "_sample_weights", dtype=K.floatx())
            self.sample_weight_modes.append(mode)
            self.sample_weights.append(weight)
            if i not in skip_target:
                self._feed_sample_weights.append(weight)
                self._feed_sample_weight_modes.append(mode)

        self.metrics_names = ["loss"]
        self.metrics_tensors = []
        self.metrics_updates = []
        self.stateful_metric_names = []
        self.stateful_metric_functions = []

        total_loss = None
        with K.name_scope("loss"):
            for i, output in enumerate(self.outputs):
                if i in skip_target:
                    continue
                with K.name_scope(names[i] + "_loss"):
                    output_loss = weighted_losses[i](self.targets[i], output, self.sample_weights[i],
                                                     masks[i])
                if len(self.outputs) > 1:
                    self.metrics_tensors.append(output_loss)
                    self.metrics_names.append(names[i] + "_loss")
                term = output_loss if weights_list[i] == 1 else weights_list[i] * output_loss
                total_loss = term if total_loss is None else total_loss + term
            if total_loss is None:
                if not self.losses:
                    raise ValueError("compile: the model has no loss to optimize: give a loss for "
                                     "at least one output (or add losses to its layers).")
                total_loss = 0.
            for loss_tensor in self.losses:
                total_loss = total_loss + loss_tensor
        self.total_loss = total_loss

        nested_metrics = collect_metrics(metrics, names)
        nested_weighted = collect_metrics(weighted_metrics, names)
        with K.name_scope("metrics"):
            for i, output in enumerate(self.outputs):
                if i in skip_target:
                    continue
                self._add_metrics(i, nested_metrics[i], None, masks[i])
                self._add_metrics(i, nested_weighted[i], self.sample_weights[i], masks[i])
        # evaluate may pad a last partial batch with zero-weight rows (training_arrays.test_loop)
        # only where they change nothing: every loss and metric weighted, no mask
        kept = [i for i in range(len(self.outputs)) if i not in skip_target]
        self._zero_weight_padding_exact = bool(kept) and all(
            not nested_metrics[i] and masks[i] is None and self.sample_weights[i] is not None
            for i in kept)

        self._collected_trainable_weights = self.trainable_weights

    @staticmethod
    def _target_shape(output_shape, loss_fn):
        """The target placeholder's shape: as precise as the loss allows.

        Built-in losses take targets of the output's shape (sparse
        categorical cross-entropy: ``(batch, ..., 1)``); a user-defined loss
        may take anything of the output's rank. A fixed batch size (``batch_input_shape``)
        is the targets' too.
        """
        rank = len(output_shape)
        batch = (output_shape[0],) if rank else ()
        if loss_fn is losses_module.sparse_categorical_crossentropy:
            return batch + tuple(output_shape[1:-1]) + (1,)
        if getattr(losses_module, getattr(loss_fn, "__name__", ""), None) is loss_fn:
            return batch + tuple(output_shape[1:])
        return (None,) * rank

    def _resolve_metric(self, i, metric):
        """``(function, name)`` for ``metric`` on output ``i`` ("accuracy" depends on the loss)."""
        if metric in ("accuracy", "acc", "crossentropy", "ce"):
            shape = self._internal_output_shapes[i] or K.int_shape(self.outputs[i])
            loss_fn = self.loss_functions[i]
            if shape[-1] == 1 or loss_fn is losses_module.binary_crossentropy:
                fns = (metrics_module.binary_accuracy, metrics_module.binary_crossentropy)
            elif loss_fn is losses_module.sparse_categorical_crossentropy:
                fns = (metrics_module.sparse_categorical_accuracy,
                       metrics_module.sparse_categorical_crossentropy)
            else:
                fns = (metrics_module.categorical_accuracy, metrics_module.categorical_crossentropy)
            if metric in ("accuracy", "acc"):
                return fns[0], "acc"
            return fns[1], "ce"
        try:
            fn = metrics_module.get(metric)
        except ValueError as exc:
            raise ValueError(f"compile: unknown metric: {exc}") from None
        return fn, getattr(fn, "name", None) or getattr(fn, "__name__", type(fn).__name__)

    def _add_metrics(self, i, metrics, weights, mask):
        for metric in metrics:
            fn, suffix = self._resolve_metric(i, metric)
            name = ("weighted_" if weights is not None else "") + suffix
            with K.name_scope(name):
                value = weighted_masked_objective(fn)(self.targets[i], self.outputs[i],
                                                      weights=weights, mask=mask)
            if len(self.output_names) > 1:
                name = self.output_names[i] + "_" + name
            base, j = name, 1
            while name in self.metrics_names:
                name = f"{base}_{j}"
                j += 1
            self.metrics_names.append(name)
            self.metrics_tensors.append(value)
            if isinstance(fn, Layer) and getattr(fn, "stateful", False):
                self.stateful_metric_names.append(name)
                self.stateful_metric_functions.append(fn)
                self.metrics_updates += fn.updates

    # -- the compiled functions -------------------------------------------------------------
    def _uses_dynamic_learning_phase(self):
        return self.uses_learning_phase and not isinstance(K.learning_phase(), int)

    def _check_compiled(self, caller):
        if not getattr(self, "_is_compiled", False) or not hasattr(self, "optimizer") \
                or self.optimizer is None:
            raise RuntimeError(f"{caller}: the model must be compiled before training or "
                               "evaluating it: call model.compile(optimizer, loss) first.")

    def _check_trainable_weights_consistency(self):
        """Warn when ``trainable`` flags changed since ``compile`` (the change is not in effect)."""
        collected = getattr(self, "_collected_trainable_weights", None)
        if collected is None:
            return
        if {id(w) for w in collected} != {id(w) for w in self.trainable_weights}:
            warnings.warn("Discrepancy between trainable weights and collected trainable weights: "
                          "did you change `trainable` without calling `compile` again? The change "
                          "takes effect at the next compile.", stacklevel=3)

    def _make_train_function(self):
        self._check_compiled("fit")
        if self.train_function is not None:
            return
        self._check_trainable_weights_consistency()
        inputs = self._feed_inputs + self._feed_targets + self._feed_sample_weights
        if self._uses_dynamic_learning_phase():
            inputs = inputs + [K.learning_phase()]
        with K.name_scope("training"):
            with K.name_scope(type(self.optimizer).__name__):
                training_updates = self.optimizer.get_updates(
                    params=self._collected_trainable_weights, loss=self.total_loss)
            updates = self.updates + training_updates + self.metrics_updates
            self.train_function = distribute.wrap_function(
                K.function(inputs, [self.total_loss] + self.metrics_tensors, updates=updates,
                           name="train_function", **self._function_kwargs), "train")

    def _make_test_function(self):
        self._check_compiled("evaluate")
        if self.test_function is not None:
            return
        inputs = self._feed_inputs + self._feed_targets + self._feed_sample_weights
        if self._uses_dynamic_learning_phase():
            inputs = inputs + [K.learning_phase()]
        self.test_function = distribute.wrap_function(
            K.function(inputs, [self.total_loss] + self.metrics_tensors,
                       updates=self.state_updates + self.metrics_updates,
                       name="test_function", **self._function_kwargs), "test")

    def _make_predict_function(self):
        if getattr(self, "predict_function", None) is not None:
            return
        inputs = list(self._feed_inputs)
        if self._uses_dynamic_learning_phase():
            inputs = inputs + [K.learning_phase()]
        kwargs = getattr(self, "_function_kwargs", {})
        self.predict_function = K.function(inputs, self.outputs, updates=self.state_updates,
                                           name="predict_function", **kwargs)

    # -- checking user data ---------------------------------------------------------------
    def _build_from_data(self, x, caller):
        """Give a model without inputs its inputs from the arrays ``x`` (deferred and subclassed)."""
        if self._is_graph_network:
            raise ValueError(f"{caller}: model {self.name!r} has no inputs.")
        arrays = [np.asarray(a) if not hasattr(a, "shape") else a for a in to_list(x)]
        inputs = [Input(batch_shape=(None,) + tuple(a.shape[1:]),
                        dtype=K.floatx() if np.issubdtype(a.dtype, np.floating) else str(a.dtype),
                        name=f"input_{i + 1}") for i, a in enumerate(arrays)]
        outputs = self.call(unpack_singleton(inputs))
        self.inputs = inputs
        self.outputs = to_list(outputs)
        self.input_names = [x._keras_history[0].name for x in inputs]
        self._feed_inputs = list(inputs)
        self._feed_input_names = list(self.input_names)
        self._feed_input_shapes = [x._keras_shape for x in inputs]
        self.output_names = [f"output_{i + 1}" for i in range(len(self.outputs))]
        self._internal_input_shapes = [x._keras_shape for x in inputs]
        self._internal_output_shapes = [getattr(x, "_keras_shape", None) or K.int_shape(x)
                                        for x in self.outputs]
        self.built = True

    def _ensure_ready(self, x, caller):
        """Build a deferred model from ``x`` and finish a pending compile."""
        if not self.built or not self.outputs:
            if x is None:
                raise ValueError(f"{caller}: model {self.name!r} is not built yet and no data was "
                                 "given to build it from.")
            self._build_from_data(x, caller)
        if getattr(self, "_compile_pending", False):
            args = dict(self._compile_args)
            self.compile(**args)

    def _standardize_user_data(self, x, y=None, sample_weight=None, class_weight=None,
                               check_array_lengths=True, batch_size=None, caller="fit"):
        """Check ``x``, ``y`` and weights against the model; return three lists of arrays."""
        self._ensure_ready(x, caller)
        input_dtypes = [K.dtype(t) for t in self._feed_inputs]
        x = standardize_input_data(x, self._feed_input_names, self._feed_input_shapes,
                                   check_batch_axis=False, exception_prefix="input", caller=caller,
                                   dtypes=input_dtypes)
        if y is None:
            return x, [], []
        self._check_compiled(caller)
        output_shapes = []
        for shape, loss_fn in zip(self._feed_output_shapes, self._feed_loss_fns):
            if loss_fn is losses_module.sparse_categorical_crossentropy:
                output_shapes.append(tuple(shape[:-1]) + (1,))
            elif getattr(losses_module, getattr(loss_fn, "__name__", ""), None) is not loss_fn:
                output_shapes.append(None)  # a user-defined loss: no assumption on targets
            else:
                output_shapes.append(shape)
        target_dtypes = [K.dtype(t) for t in self._feed_targets]
        y = standardize_input_data(y, self._feed_output_names, output_shapes,
                                   check_batch_axis=False, exception_prefix="target", caller=caller,
                                   dtypes=target_dtypes)
        sample_weights = standardize_sample_or_class_weights(sample_weight, self._feed_output_names,
                                                             "sample_weight", caller)
        class_weights = standardize_sample_or_class_weights(class_weight, self._feed_output_names,
                                                            "class_weight", caller)
        sample_weights = [standardize_weights(ref, sw, cw, mode, caller=caller)
                          for ref, sw, cw, mode in zip(y, sample_weights, class_weights,
                                                       self._feed_sample_weight_modes)]
        if check_array_lengths:
            check_array_length_consistency(x, y, sample_weights, caller=caller)
        check_loss_and_target_compatibility(y, self._feed_loss_fns, output_shapes, caller=caller)
        return x, y, sample_weights

    def _check_batch_sizes(self, arrays, batch_size, caller):
        """Inputs declared with a fixed batch size (``batch_input_shape``, as stateful RNNs need)
        take batches of exactly that size: check every batch ``arrays`` will be cut into
        (``batch_size`` None: one batch of all samples) before anything runs.

        Raises:
            ValueError: naming the declared size, the stateful layers and the batches.
        """
        shapes = getattr(self, "_feed_input_shapes", None) or []
        for array, shape in zip(arrays, shapes):
            declared = shape[0] if shape else None
            if declared is None or array is None or not hasattr(array, "shape"):
                continue
            samples = int(array.shape[0])
            step = batch_size or samples
            sizes = {min(step, samples - start) for start in range(0, samples, step)}
            if sizes and sizes != {declared}:
                stateful = [layer.name for layer in self.layers if getattr(layer, "stateful", False)]
                why = f"; its stateful layers {stateful} carry states per sample" if stateful else ""
                raise ValueError(
                    f"{caller}: Model {self.name!r} has inputs of fixed batch size {declared} "
                    f"(batch_input_shape{why}), so every batch must hold exactly {declared} "
                    f"samples. Received: {samples} samples in batches of {step} (batch sizes "
                    f"{sorted(sizes)}). Use batch_size={declared} and a number of samples that is "
                    f"a multiple of {declared}.")

    def _check_not_empty(self, arrays, caller):
        if arrays and arrays[0] is not None and int(arrays[0].shape[0]) == 0:
            raise ValueError(f"{caller}: Expected at least one sample. Received: arrays of shape "
                             f"{[a.shape for a in arrays]}")

    # -- array loops ------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0., validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            **kwargs):
        """Train for ``epochs`` epochs on NumPy arrays; returns a ``History``.

        Args:
            x, y: arrays (a list or dict of arrays for several inputs/outputs).
            batch_size: default 32.
            verbose: 0 silent, 1 progress bar, 2 one line per epoch.
            callbacks: list of ``keras.callbacks.Callback``.
            validation_split: fraction in [0, 1) of the data, taken from the
                end before any shuffling, used for validation only.
            validation_data: ``(x_val, y_val)`` or ``(x_val, y_val, weights)``.
            shuffle: shuffle the samples each epoch (``"batch"``: whole batches).
            class_weight: dict class index -> loss weight.
            sample_weight: per-sample (or per-timestep) loss weights.
            initial_epoch: epoch to start counting from (resuming).
            steps_per_epoch: run that many steps per epoch on the whole
                arrays instead of batches.

        Raises:
            RuntimeError: the model is not compiled.
            ValueError: data that does not fit the model (shapes, number of
                arrays or samples), a bad validation_split or batch_size.
        """
        if "nb_epoch" in kwargs:
            warnings.warn("fit: nb_epoch is deprecated; use epochs.")
            epochs = kwargs.pop("nb_epoch")
        if kwargs:
            raise TypeError(f"fit: unrecognized keyword arguments: {sorted(kwargs)}")
        if batch_size is None and steps_per_epoch is None:
            batch_size = 32
        _check_positive_int(batch_size, "batch_size", "fit")
        _check_positive_int(steps_per_epoch, "steps_per_epoch", "fit")
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"fit: Expected epochs to be a non-negative integer. Received: epochs={epochs!r}")
        if isinstance(validation_split, bool) or not isinstance(validation_split, (int, float)) \
                or not 0. <= validation_split < 1.:
            raise ValueError(f"fit: Expected validation_split to be a number in [0, 1). "
                             f"Received: validation_split={validation_split!r}")
        if x is None and y is None and steps_per_epoch is None:
            raise ValueError("fit: Expected training data x and y (or steps_per_epoch for models "
                             "fed by tensors). Received: none")
        if y is None and self._ready_needs_targets():
            raise ValueError("fit: Expected target data y for a model with a loss. Received: y=None")
        self._check_compiled("fit")

        x, y, sample_weights = self._standardize_user_data(
            x, y, sample_weight=sample_weight, class_weight=class_weight, batch_size=batch_size,
            caller="fit")
        dynamic_phase = self._uses_dynamic_learning_phase()

        do_validation = False
        val_ins = []
        if validation_data is not None and not (isinstance(validation_data, (list, tuple))
                                                and not validation_data):
            do_validation = True
            if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
                raise ValueError("fit: Expected validation_data as (x_val, y_val) or (x_val, y_val, "
                                 f"sample_weights). Received: {str(validation_data)[:100]}")
            val_x, val_y = validation_data[0], validation_data[1]
            val_sample_weight = validation_data[2] if len(validation_data) == 3 else None
            val_x, val_y, val_weights = self._standardize_user_data(
                val_x, val_y, sample_weight=val_sample_weight, batch_size=batch_size, caller="fit")
            val_ins = val_x + val_y + val_weights
        elif validation_split:
            if steps_per_epoch is not None:
                raise ValueError("fit: validation_split cannot be used with steps_per_epoch.")
            do_validation = True
            split_at = int(int(x[0].shape[0]) * (1. - validation_split))
            if split_at == 0 or split_at == int(x[0].shape[0]):
                raise ValueError(f"fit: validation_split={validation_split} of {x[0].shape[0]} "
                                 "samples leaves no training or no validation samples.")
            x, val_x = slice_arrays(x, 0, split_at), slice_arrays(x, split_at)
            y, val_y = slice_arrays(y, 0, split_at), slice_arrays(y, split_at)
            sample_weights, val_weights = (slice_arrays(sample_weights, 0, split_at),
                                           slice_arrays(sample_weights, split_at))
            val_ins = val_x + val_y + val_weights
        elif validation_steps:
            do_validation = True
        if do_validation and dynamic_phase:
            val_ins = val_ins + [0.]

        if steps_per_epoch is None:
            self._check_not_empty(x, "fit")
            self._check_batch_sizes(x, batch_size, "fit")
            if val_ins:
                self._check_batch_sizes(val_ins[:len(x)], batch_size, "fit (validation data)")
        ins = x + y + sample_weights + ([1.] if dynamic_phase else [])
        self._make_train_function()
        callbacks, verbose = distribute.callbacks_for_process(callbacks, verbose)
        out_labels = self.metrics_names
        if do_validation:
            self._make_test_function()
            val_function = self.test_function
            callback_metrics = list(out_labels) + ["val_" + n for n in out_labels]
        else:
            val_function = None
            callback_metrics = list(out_labels)
        return training_arrays.fit_loop(
            self, self.train_function, ins, out_labels=out_labels, batch_size=batch_size,
            epochs=epochs, verbose=verbose, callbacks=callbacks, val_function=val_function,
            val_inputs=val_ins, shuffle=shuffle, callback_metrics=callback_metrics,
            initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
            validation_steps=validation_steps)

    def _ready_needs_targets(self):
        return bool(getattr(self, "_feed_targets", None)) or getattr(self, "_compile_pending", False)

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None, steps=None):
        """The loss (and metrics) on data, in test mode; a scalar, or a list with metrics.

        Raises:
            RuntimeError: the model is not compiled.
            ValueError: data that does not fit the model.
        """
        if batch_size is None and steps is None:
            batch_size = 32
        _check_positive_int(batch_size, "batch_size", "evaluate")
        if x is None and y is None and steps is None:
            raise ValueError("evaluate: Expected data x and y (or steps). Received: none")
        self._check_compiled("evaluate")
        if y is None and self._ready_needs_targets():
            raise ValueError("evaluate: Expected target data y. Received: y=None")
        x, y, sample_weights = self._standardize_user_data(
            x, y, sample_weight=sample_weight, batch_size=batch_size, caller="evaluate")
        if steps is None:
            self._check_not_empty(x, "evaluate")
            self._check_batch_sizes(x, batch_size, "evaluate")
        ins = x + y + sample_weights + ([0.] if self._uses_dynamic_learning_phase() else [])
        self._make_test_function()
        weights_at = None
        if getattr(self, "_zero_weight_padding_exact", False):
            weights_at = range(len(x) + len(y), len(x) + len(y) + len(sample_weights))
        return training_arrays.test_loop(self, self.test_function, ins, batch_size=batch_size,
                                         verbose=verbose, steps=steps, pad_weights_at=weights_at)

    def predict(self, x, batch_size=None, verbose=0, steps=None):
        """The model's outputs for ``x`` in test mode (NumPy arrays, a list for several outputs).

        Raises:
            ValueError: data that does not fit the model's inputs, or a model
                with no layers/inputs to build from.
        """
        if batch_size is None and steps is None:
            batch_size = 32
        _check_positive_int(batch_size, "batch_size", "predict")
        if x is None and steps is None:
            raise ValueError("predict: Expected input data x (or steps). Received: x=None")
        self._check_has_layers("predict")
        x, _, _ = self._standardize_user_data(x, caller="predict")
        if steps is None:
            self._check_batch_sizes(x, batch_size, "predict")
        ins = x + ([0.] if self._uses_dynamic_learning_phase() else [])
        self._make_predict_function()
        return training_arrays.predict_loop(self, self.predict_function, ins,
                                            batch_size=batch_size, verbose=verbose, steps=steps)

    def _check_has_layers(self, caller):
        if not self._is_graph_network and not self.built and not self._layers \
                and type(self).call is Network.call:
            raise ValueError(f"{caller}: model {self.name!r} has no layers yet.")

    def train_on_batch(self, x, y, sample_weight=None, class_weight=None):
        """One gradient step on one batch; returns the loss (and metrics) before the step."""
        self._check_compiled("train_on_batch")
        x, y, sample_weights = self._standardize_user_data(
            x, y, sample_weight=sample_weight, class_weight=class_weight, caller="train_on_batch")
        self._check_batch_sizes(x, None, "train_on_batch")
        ins = x + y + sample_weights + ([1.] if self._uses_dynamic_learning_phase() else [])
        self._make_train_function()
        return _scalars(self.train_function(ins))

    def test_on_batch(self, x, y, sample_weight=None):
        """Loss (and metrics) on one batch, in test mode."""
        self._check_compiled("test_on_batch")
        x, y, sample_weights = self._standardize_user_data(
            x, y, sample_weight=sample_weight, caller="test_on_batch")
        self._check_batch_sizes(x, None, "test_on_batch")
        ins = x + y + sample_weights + ([0.] if self._uses_dynamic_learning_phase() else [])
        self._make_test_function()
        return _scalars(self.test_function(ins))

    def predict_on_batch(self, x):
        """The outputs for one batch, in test mode."""
        self._check_has_layers("predict_on_batch")
        x, _, _ = self._standardize_user_data(x, caller="predict_on_batch")
        self._check_batch_sizes(x, None, "predict_on_batch")
        ins = x + ([0.] if self._uses_dynamic_learning_phase() else [])
        self._make_predict_function()
        return unpack_singleton([np.asarray(o) for o in to_list(self.predict_function(ins))])

    # -- generator loops --------------------------------------------------------------
    @interfaces.legacy_generator_methods_support
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, class_weight=None,
                      max_queue_size=10, workers=1, use_multiprocessing=False, shuffle=True,
                      initial_epoch=0):
        """Train on batches from a generator or a ``keras.utils.Sequence``; returns a History.

        The generator yields ``(x, y)`` or ``(x, y, sample_weight)`` forever;
        ``steps_per_epoch`` batches make an epoch (default ``len(sequence)``).
        ``workers`` threads fill a queue of ``max_queue_size`` batches
        (``workers=0``: read in this thread). An exception in the generator is
        raised here.
        """
        self._check_compiled("fit_generator")
        callbacks, verbose = distribute.callbacks_for_process(callbacks, verbose)
        with distribute.local_batches():
            return training_generator.fit_generator(
                self, distribute.shard_sequence(generator), steps_per_epoch=steps_per_epoch,
                epochs=epochs, verbose=verbose, callbacks=callbacks,
                validation_data=distribute.shard_sequence(validation_data),
                validation_steps=validation_steps, class_weight=class_weight,
                max_queue_size=max_queue_size, workers=workers,
                use_multiprocessing=use_multiprocessing, shuffle=shuffle,
                initial_epoch=initial_epoch)

    @interfaces.legacy_generator_methods_support
    def evaluate_generator(self, generator, steps=None, max_queue_size=10, workers=1,
                           use_multiprocessing=False, verbose=0):
        """Loss (and metrics) over ``steps`` batches of a generator or ``Sequence``."""
        self._check_compiled("evaluate_generator")
        with distribute.local_batches():
            return training_generator.evaluate_generator(
                self, distribute.shard_sequence(generator), steps=steps,
                max_queue_size=max_queue_size, workers=workers,
                use_multiprocessing=use_multiprocessing, verbose=verbose)

    @interfaces.legacy_generator_methods_support
    def predict_generator(self, generator, steps=None, max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0):
        """Predictions for ``steps`` batches of a generator or ``Sequence`` (yielding ``x``)."""
        return training_generator.predict_generator(
            self, generator, steps=steps, max_queue_size=max_queue_size, workers=workers,
            use_multiprocessing=use_multiprocessing, verbose=verbose)

    # -- saving ----------------------------------------------------------------------
    def save(self, filepath, overwrite=True, include_optimizer=True):
        """Save topology, weights and training configuration to one HDF5 file."""
        from .saving import save_model
        save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer)


def _scalars(outputs):
    """Function outputs as NumPy scalars/arrays, a single one unpacked."""
    values = [np.asarray(o) for o in to_list(outputs)]
    values = [v[()] if v.ndim == 0 else v for v in values]
    return unpack_singleton(values)


__all__ = ["Model"]
