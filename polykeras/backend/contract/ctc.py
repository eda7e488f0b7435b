"""Contract: connectionist temporal classification (Keras 2.2 semantics).

``y_pred`` holds per-frame softmax probabilities (batch, time, classes);
the blank is the last class. As in Keras's TensorFlow backend, CTC sees
``log(y_pred + epsilon())`` as logits, so each frame is renormalised.
"""

from ._declare import api


@api("nn", kind="host")
def ctc_label_dense_to_sparse(labels, label_lengths):
    """Dense padded labels to a sparse representation.

    Args:
        labels: int tensor (batch, max_length); entries past each length are padding.
        label_lengths: int tensor (batch,) or (batch, 1).

    Returns:
        A named tuple ``(indices, values, dense_shape)`` of backend tensors, the
        fields of TensorFlow's SparseTensor: ``indices`` (nnz, 2) int64 of
        (batch, position), ``values`` (nnz,) int32, ``dense_shape`` (2,) int64.

    Raises:
        ValueError: labels not 2-D or lengths of another batch size.
    """


@api("nn", differentiable=("y_pred",))
def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """CTC loss of each batch element: ``-log p(y_true | y_pred)``.

    Args:
        y_true: int tensor (batch, max_label_length), padded past ``label_length``.
        y_pred: float tensor (batch, time, classes) of softmax outputs.
        input_length: int tensor (batch, 1): frames used per element.
        label_length: int tensor (batch, 1): label length per element.

    Returns:
        Tensor (batch, 1) of ``y_pred``'s dtype; computed in log space with the
        forward algorithm (stable for long sequences).

    Raises:
        ValueError: wrong ranks or batch sizes, lengths out of range, or a
            label longer than its input.
    """


@api("nn", kind="host")
def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """Decode the most likely label sequences.

    Args:
        y_pred: float tensor (batch, time, classes) of softmax outputs.
        input_length: int tensor (batch,) or (batch, 1).
        greedy: best class per frame, repeats merged, blanks removed; else
            CTC prefix beam search.
        beam_width: beams kept per frame (beam search).
        top_paths: number of paths returned (beam search).

    Returns:
        ``(decoded, log_probabilities)``: ``decoded`` a list of ``top_paths``
        int64 tensors (batch, max_decoded_length) padded with -1 (one tensor
        when greedy); ``log_probabilities`` (batch, top_paths): for beam
        search the log-probability of each path (most likely first, -inf
        where fewer paths exist), for greedy decoding TensorFlow's value, the
        negative sum over frames of the largest logit (batch, 1). Decoding is
        a data-dependent search run on the host; results are backend tensors.

    Raises:
        ValueError: wrong ranks, lengths out of range, or
            ``beam_width < top_paths``.
    """
