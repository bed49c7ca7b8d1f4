"""Wrong solutions of notebook 07's exercises (the gradient of one step, MFU)."""
import torch

from ._solutions import solution

step_gradients = solution("07_pretraining", "step_gradients")


def summed_not_averaged(micro_grads, max_norm):
    return step_gradients([[g * len(micro_grads) for g in micro] for micro in micro_grads], max_norm)


def clipped_per_parameter(micro_grads, max_norm):
    mean = step_gradients(micro_grads, 0.0)
    return [step_gradients([[g]], max_norm)[0] for g in mean]  # a norm per tensor, not one over all


def clipped_before_averaging(micro_grads, max_norm):
    clipped = [step_gradients([micro], max_norm) for micro in micro_grads]
    return step_gradients(clipped, 0.0)


def always_scaled_to_max_norm(micro_grads, max_norm):
    mean = step_gradients(micro_grads, 0.0)
    if max_norm <= 0:
        return mean
    norm = torch.sqrt(sum((g ** 2).sum() for g in mean))
    return [g * (max_norm / (norm + 1e-6)) for g in mean]  # also stretches small gradients


def tokens_of_one_micro_batch(flops_per_token, batch_size, seq_len, grad_accum_steps, world_size, step_seconds,
                              peak_flops):
    return flops_per_token * batch_size * seq_len * world_size / step_seconds / (peak_flops * world_size)


def peak_of_one_device(flops_per_token, batch_size, seq_len, grad_accum_steps, world_size, step_seconds,
                       peak_flops):
    return flops_per_token * grad_accum_steps * batch_size * seq_len * world_size / step_seconds / peak_flops


WRONG = [
    ("step_gradients", summed_not_averaged, "on input ([[tensor([1., 0.])], [tensor([0., 1.])]], 1.0)"),
    ("step_gradients", clipped_per_parameter, "on input ([[tensor([3.]), tensor([4.])]], 1.0)"),
    ("step_gradients", clipped_before_averaging, "on input ([[tensor([3., 4.])], [tensor([0., 0.])]], 1.0)"),
    ("step_gradients", always_scaled_to_max_norm, "on input ([[tensor([ 0.3000, -0.4000])]], 1.0)"),
    ("model_flops_utilization", tokens_of_one_micro_batch, "on input (6000000.0, 8, 64, 4, 1, 0.2, 100000000000.0)"),
    ("model_flops_utilization", peak_of_one_device, "on input (6000000.0, 8, 64, 1, 8, 0.05, 100000000000.0)"),
]
