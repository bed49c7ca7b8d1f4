"""Exercise checks: a right answer passes, plausible wrong ones are caught with a specific message,
a stub is "not done yet" and the notebook carries on with the package's function."""
import math

import pytest

from cs229llm.errors import InputError
from cs229llm.exercises import EXERCISES, check, use
from cs229llm.exercises.student import STUB, student_source

STOP_WORDS = {"the", "be", "to", "of", "and", "that", "have", "with"}


def wsd_solution(step, total_steps, peak_lr, warmup_steps, decay_fraction, min_lr_ratio):
    if step < warmup_steps:
        return peak_lr * (step + 1) / warmup_steps
    step = min(step, total_steps - 1)
    decay_start = max(warmup_steps, total_steps - max(1, round(decay_fraction * total_steps)))
    if step < decay_start:
        return peak_lr
    progress = (step - decay_start) / max(1, total_steps - 1 - decay_start)
    return peak_lr + (peak_lr * min_lr_ratio - peak_lr) * progress


def wsd_warmup_off_by_one(step, total_steps, peak_lr, warmup_steps, decay_fraction, min_lr_ratio):
    if step < warmup_steps:
        return peak_lr * step / warmup_steps  # step 0 gets a rate of 0
    return wsd_solution(step, total_steps, peak_lr, warmup_steps, decay_fraction, min_lr_ratio)


def wsd_cosine_decay(step, total_steps, peak_lr, warmup_steps, decay_fraction, min_lr_ratio):
    rate = wsd_solution(step, total_steps, peak_lr, warmup_steps, decay_fraction, min_lr_ratio)
    floor = peak_lr * min_lr_ratio
    if rate >= peak_lr or step < warmup_steps:
        return rate
    linear = (peak_lr - rate) / (peak_lr - floor) if peak_lr != floor else 1.0
    return floor + (peak_lr - floor) * 0.5 * (1 + math.cos(math.pi * linear))


def stop_words_solution(text):
    return len(STOP_WORDS & set(text.lower().split()))


def stop_words_occurrences(text):
    return sum(word in STOP_WORDS for word in text.lower().split())  # counts "the the" twice


def stop_words_case_sensitive(text):
    return len(STOP_WORDS & set(text.split()))


def stub(*args):
    raise NotImplementedError("your turn")


def test_the_solutions_pass(capsys):
    wsd_ok = check("wsd_learning_rate", wsd_solution)
    stop_ok = check("gopher_stop_words", stop_words_solution)
    printed = capsys.readouterr().out
    assert wsd_ok and stop_ok, printed
    assert printed.count("correct on all") == 2


@pytest.mark.parametrize("exercise, wrong, shows", [
    ("wsd_learning_rate", wsd_warmup_off_by_one, "on input (0,"),
    ("wsd_learning_rate", wsd_cosine_decay, "expected"),
    ("gopher_stop_words", stop_words_occurrences, "('the cat and the hat',) expected 2, got 3"),
    ("gopher_stop_words", stop_words_case_sensitive, "('The River And the sea',) expected 2, got 1"),
    ("gopher_stop_words", lambda text: float(stop_words_solution(text)) + 0.5, "expected"),
    ("gopher_stop_words", lambda text: {}[text], "raised KeyError"),
])
def test_plausible_wrong_solutions_are_caught_with_the_input_and_a_hint(capsys, exercise, wrong, shows):
    assert not check(exercise, wrong)
    printed = capsys.readouterr().out
    assert shows in printed and "Hint:" in printed and printed.count("\n") == 1, printed
    assert use(exercise, wrong) is EXERCISES[exercise].reference  # later cells use the package's


def test_a_stub_is_not_done_yet_and_the_notebook_carries_on(capsys):
    assert not check("gopher_stop_words", stub)
    assert "not done yet" in capsys.readouterr().out
    fallback = use("gopher_stop_words", stub)
    assert fallback("the cat and the dog") == 2
    assert use("gopher_stop_words", stop_words_solution) is stop_words_solution
    with pytest.raises(InputError, match="unknown exercise"):
        check("no_such_exercise", stub)


def test_every_exercise_has_cases_and_a_hint():
    for exercise in EXERCISES.values():
        assert len(exercise.cases) >= 5 and exercise.hint and exercise.notebook[:2].isdigit()


SOURCE = '''# %%
def my_rate(step):
    """The learner writes this."""
    ### BEGIN SOLUTION
    if step < 10:
        return step / 10
    return 1.0
    ### END SOLUTION


check("x", my_rate)
'''


def test_student_version_replaces_solutions_with_a_stub_and_keeps_the_rest():
    student = student_source(SOURCE)
    assert "return step / 10" not in student and "### BEGIN" not in student
    assert f"    {STUB}\n" in student
    assert student.startswith('# %%\ndef my_rate(step):\n    """The learner writes this."""\n')
    assert student.endswith('\n\ncheck("x", my_rate)\n')
    namespace = {}
    exec(student.replace('check("x", my_rate)', ""), namespace)
    with pytest.raises(NotImplementedError):
        namespace["my_rate"](3)


@pytest.mark.parametrize("broken, message", [
    ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n### END SOLUTION\n", "without a"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "inside the block"),
])
def test_unbalanced_markers_are_refused_naming_the_line(broken, message):
    with pytest.raises(InputError, match=message):
        student_source(broken, "notebook.py")
