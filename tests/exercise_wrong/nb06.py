"""Wrong solutions of notebook 06's exercises (swallowed updates, bytes per parameter, the roofline)."""
import torch


def compared_with_the_fp32_weights(weights, update, dtype):
    after = (weights.to(dtype).float() + update.float()).to(dtype)
    nonzero = update != 0
    if not bool(nonzero.any()):
        return 0.0
    lost = (after.float() == weights.float()) & nonzero  # the weight as given, not as the format holds it
    return float(lost.sum()) / float(nonzero.sum())


def zero_updates_counted(weights, update, dtype):
    stored = weights.to(dtype)
    after = (stored.float() + update.float()).to(dtype)
    return float((after == stored).sum()) / update.numel()


def below_the_gap(weights, update, dtype):
    gap = torch.finfo(dtype).eps * weights.abs().float()  # lost below the whole gap, not half of it
    nonzero = update != 0
    if not bool(nonzero.any()):
        return 0.0
    return float(((update.abs() < gap) & nonzero).sum()) / float(nonzero.sum())


def one_adam_moment(weights, gradients, moments, master):
    size = {"fp32": 4, "bf16": 2, "fp16": 2, None: 0}
    parts = {"weights": size[weights], "gradients": size[gradients], "adam_moments": size[moments],
             "master_copy": size[master]}
    return {**parts, "total": sum(parts.values())}


def master_always_fp32(weights, gradients, moments, master):
    size = {"fp32": 4, "bf16": 2, "fp16": 2}
    parts = {"weights": size[weights], "gradients": size[gradients], "adam_moments": 2 * size[moments],
             "master_copy": 4}
    return {**parts, "total": sum(parts.values())}


def max_not_min(flops, bytes_moved, peak_flops, bandwidth):
    intensity = flops / bytes_moved
    return intensity, max(peak_flops, intensity * bandwidth), intensity < peak_flops / bandwidth


def bytes_per_flop(flops, bytes_moved, peak_flops, bandwidth):
    intensity = bytes_moved / flops if flops else float("inf")
    return intensity, min(peak_flops, intensity * bandwidth), intensity < peak_flops / bandwidth


def memory_bound_at_the_ridge(flops, bytes_moved, peak_flops, bandwidth):
    intensity = flops / bytes_moved
    return intensity, min(peak_flops, intensity * bandwidth), intensity <= peak_flops / bandwidth


WRONG = [
    ("swallowed_fraction", compared_with_the_fp32_weights, "on input (tensor([1.0010]), tensor([0.0010]), torch.bfloat16)"),
    ("swallowed_fraction", zero_updates_counted, "on input (tensor([1., 1., 1.]), tensor([0.0000, 0.0010, 0.1000])"),
    ("swallowed_fraction", below_the_gap, "on input (tensor([1.]), tensor([0.0050]), torch.bfloat16) expected 0.0"),
    ("bytes_per_parameter", one_adam_moment, "on input ('fp32', 'fp32', 'fp32', None)"),
    ("bytes_per_parameter", master_always_fp32, "on input ('fp32', 'fp32', 'fp32', None)"),
    ("roofline_point", max_not_min, "on input (11000000.0, 8000000.0, 100000000000.0, 10000000000.0)"),
    ("roofline_point", bytes_per_flop, "on input (11000000.0, 8000000.0, 100000000000.0, 10000000000.0)"),
    ("roofline_point", memory_bound_at_the_ridge, "on input (1000000000.0, 100000000.0, 100000000000.0"),
]
