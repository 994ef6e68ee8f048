"""Gradient checkpointing for :class:`~nnlesson.layers.Sequential`, and random-state replay.

With ``Sequential(..., checkpoint_every=k)`` the forward keeps only the input of every k-th layer
(the start of each segment of k layers) and no layer's cache. The backward runs the segments last
to first: it recomputes one segment's forward from its stored input, backpropagates through it and
frees it again. Gradients are the same; the memory for backward drops from every layer's
intermediates to the stored inputs plus one segment's, for the price of one extra forward.

Recomputing a segment must draw the same random numbers as the first forward (Dropout's mask), so
each checkpoint also records the state of the segment's random generators and replays it; and it
must not count the batch twice in running statistics (BatchNorm's), so those are put back after.
"""

import numpy as np

from ._util import no_grad, private


def random_generators(module):
    """The random generators of ``module`` and of every module inside it (Dropout's ``rng``)."""
    return [m.rng for m in module.modules() if isinstance(getattr(m, "rng", None),
                                                          np.random.Generator)]


def random_states(layers):
    """The states of the random generators of ``layers``, to replay them with :func:`set_states`."""
    return [g.bit_generator.state for layer in layers for g in random_generators(layer)]


def set_states(layers, states):
    """Rewind the random generators of ``layers`` to ``states`` (from :func:`random_states`)."""
    generators = [g for layer in layers for g in random_generators(layer)]
    for g, state in zip(generators, states):
        g.bit_generator.state = state


def running_statistics(layers):
    """``(module, name, copy of the array)`` for every buffer of every module inside ``layers``.

    Buffers are updated by a training forward without being learned (BatchNorm's ``running_mean``
    and ``running_var``); :func:`backward` restores them after its recomputing forwards.
    """
    return [(m, name, getattr(m, name).copy()) for layer in layers for m in layer.modules()
            for name in m.buffer_names]


def segments(layers, k):
    """``layers`` cut into consecutive segments of ``k`` layers (the last may be shorter)."""
    return [layers[i:i + k] for i in range(0, len(layers), k)]


def forward(layers, k, x):
    """Run ``layers`` keeping no layer's cache; returns ``(output, checkpoints)``.

    ``checkpoints`` holds, per segment, its input (read-only) and its random states.
    """
    checkpoints = []
    with no_grad():
        for segment in segments(layers, k):
            kept = private(x)
            kept.flags.writeable = False  # the recomputing first layer then keeps it, no copy
            checkpoints.append((kept, random_states(segment)))
            for layer in segment:
                x = layer(x)
    return x, checkpoints


def backward(layers, k, checkpoints, dout, input_grad):
    """Backward through the segments, last first, recomputing each one's forward.

    Returns dL/d(input), or None when ``input_grad`` is False (the first layer then runs
    ``backward_params``).
    """
    after_forward = random_states(layers)  # recomputing must not rewind the random streams
    statistics = running_statistics(layers)  # ... nor count this batch twice
    pieces = list(zip(segments(layers, k), checkpoints))
    for i in reversed(range(len(pieces))):
        segment, (x, states) = pieces[i]
        set_states(segment, states)  # Dropout draws the same mask as in the forward
        for layer in segment:
            x = layer(x)
        for layer in reversed(segment[1:]):
            dout = layer.backward(dout)
        if input_grad or i > 0:
            dout = segment[0].backward(dout)
        else:
            segment[0].backward_params(dout)
            dout = None
        for layer in segment:
            for m in layer.modules():
                m.cache = None  # free the recomputed intermediates
    set_states(layers, after_forward)
    for layer, name, value in statistics:
        setattr(layer, name, value)
    return dout
