"""Tests for learning-rate schedules: warmup, cosine, warmup-stable-decay, linear to zero."""

import math

import pytest

from cs229llm.errors import InputError
from cs229llm.training.schedules import Schedule, schedule_curve


def test_warmup_is_linear_up_to_the_peak():
    schedule = Schedule("cosine", peak_lr=1.0, total_steps=100, warmup_steps=10)
    assert [schedule(s) for s in range(10)] == pytest.approx([(s + 1) / 10 for s in range(10)])
    assert schedule(10) == pytest.approx(1.0)


def test_cosine_ends_at_floor_and_passes_midpoint():
    schedule = Schedule("cosine", peak_lr=2.0, total_steps=101, warmup_steps=0, min_lr_ratio=0.1)
    assert schedule(0) == pytest.approx(2.0)
    assert schedule(50) == pytest.approx(0.2 + 1.8 * 0.5)
    assert schedule(100) == pytest.approx(0.2)


def test_linear_decays_straight_to_zero():
    schedule = Schedule("linear", peak_lr=1.0, total_steps=11, warmup_steps=0)
    assert schedule_curve(schedule) == pytest.approx([1 - s / 10 for s in range(11)])


def test_wsd_is_flat_then_decays_over_the_last_fraction():
    schedule = Schedule("wsd", peak_lr=1.0, total_steps=100, warmup_steps=5, decay_fraction=0.2)
    curve = schedule_curve(schedule)
    assert all(lr == 1.0 for lr in curve[5:80])
    assert curve[80] == pytest.approx(1.0) and curve[99] == pytest.approx(0.0)
    assert all(a > b for a, b in zip(curve[80:], curve[81:]))


def test_constant_and_past_the_end():
    assert Schedule("constant", peak_lr=0.5, total_steps=10)(9) == 0.5
    assert Schedule("linear", peak_lr=1.0, total_steps=10)(50) == pytest.approx(0.0)


def test_bad_schedules_are_input_errors():
    with pytest.raises(InputError, match="unknown schedule"):
        Schedule("step")
    with pytest.raises(InputError, match="warmup"):
        Schedule("cosine", total_steps=10, warmup_steps=11)


def test_cosine_is_monotone_after_warmup():
    curve = schedule_curve(Schedule("cosine", peak_lr=1.0, total_steps=50, warmup_steps=5))
    assert all(a >= b for a, b in zip(curve[4:], curve[5:]))
    assert not math.isnan(sum(curve))
