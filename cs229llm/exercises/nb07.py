"""Notebook 07 (pretraining): the learner writes the gradient of one optimizer step (accumulation, clipping) and
MFU."""

import torch

from ..training.trainer import clip_gradients, model_flops_utilization
from .core import Exercise, register


def _step_gradients_reference(micro_grads: list, max_norm: float) -> list:
    """The trainer's way: each micro-batch's loss / grad_accum_steps goes backward into the same .grad, then clip."""
    steps = len(micro_grads)
    parameters = [torch.zeros_like(grad, requires_grad=True) for grad in micro_grads[0]]
    for grads in micro_grads:
        loss = sum((parameter * grad).sum() for parameter, grad in zip(parameters, grads))  # d loss / d p = grad
        (loss / steps).backward()
    clip_gradients(parameters, max_norm)
    return [parameter.grad for parameter in parameters]


def _mfu_reference(flops_per_token: float, batch_size: int, seq_len: int, grad_accum_steps: int,
                   world_size: int, step_seconds: float, peak_flops: float) -> float:
    tokens_per_second = grad_accum_steps * batch_size * seq_len * world_size / step_seconds  # the trainer's count
    return model_flops_utilization(flops_per_token, tokens_per_second, peak_flops, world_size)


_t = torch.tensor
register(
    Exercise("step_gradients", "07_pretraining", _step_gradients_reference,
             cases=(([[_t([0.3, -0.4])]], 1.0),  # norm 0.5: nothing to clip
                    ([[_t([3.0, 4.0])]], 1.0),
                    ([[_t([1.0, 0.0])], [_t([0.0, 1.0])]], 1.0),  # the mean, not the sum
                    ([[_t([3.0]), _t([4.0])]], 1.0),  # one norm over all parameters
                    ([[_t([30.0, 40.0])]], 0.0),  # 0 disables clipping
                    ([[_t([3.0, 4.0])], [_t([0.0, 0.0])]], 1.0),  # clip after averaging, not before
                    ([[_t([0.0, 0.0])], [_t([0.0, 0.0])]], 1.0),
                    ([[_t([2.0, -2.0])], [_t([-2.0, 2.0])]], 1.0),
                    ([[_t([[0.5, -1.0], [2.0, 0.0]]), _t([1.0, 1.0, -3.0])],
                      [_t([[1.5, 0.0], [-2.0, 1.0]]), _t([0.0, 2.0, 1.0])],
                      [_t([[0.0, 1.0], [1.0, 1.0]]), _t([-1.0, 0.0, 0.5])],
                      [_t([[2.0, 2.0], [0.0, -1.0]]), _t([0.0, 0.5, 0.5])]], 0.5)),
             hint="average each parameter's gradient over the micro-batches; then take ONE norm, sqrt of the sum "
                  "of all squared entries of all parameters, and only when it exceeds max_norm (> 0) multiply "
                  "every gradient by max_norm / (norm + 1e-6)",
             tolerance=1e-5),
    Exercise("model_flops_utilization", "07_pretraining", _mfu_reference,
             cases=((6e6, 8, 64, 1, 1, 0.05, 1e11),
                    (6e6, 8, 64, 4, 1, 0.2, 1e11),  # accumulation: 4 micro-batches per step
                    (6e6, 8, 64, 1, 8, 0.05, 1e11),  # 8 devices: 8 times the tokens and 8 times the peak
                    (7.5e8, 32, 1024, 4, 8, 1.2, 989e12),
                    (1.2e6, 16, 128, 2, 2, 0.5, 3e11),
                    (5e7, 1, 2048, 1, 1, 0.01, 1e14)),
             hint="a step trains grad_accum_steps x batch_size x seq_len tokens on every device; MFU = FLOPs per "
                  "token x tokens per second (all devices) / (peak FLOP/s of one device x number of devices)",
             tolerance=1e-9),
)
