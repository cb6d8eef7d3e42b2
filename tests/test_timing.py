"""helpers.timing: the one way the notebooks and dev.py bench measure speed (a fake clock: no test here depends on
how fast or busy the machine is)."""

import pytest

from helpers.timing import fastest_in_turns


class FakeClock:
    """A clock that advances by the next of `durations` during each timed call (read twice per call)."""

    def __init__(self, durations):
        self.durations, self.now, self.reads = list(durations), 0.0, 0

    def __call__(self):
        self.reads += 1
        if self.reads % 2 == 0:  # the second read of a call: the call took the next duration
            self.now += self.durations.pop(0)
        return self.now


def test_the_fastest_call_of_each_function_taken_in_turns():
    order = []
    functions = {"f": lambda: order.append("f"), "g": lambda: order.append("g")}
    # rounds of (f, g): f takes 3, 1, 2 and g takes 5, 6, 4 seconds
    clock = FakeClock([3, 5, 1, 6, 2, 4])
    assert fastest_in_turns(functions, rounds=3, warmup=1, clock=clock) == {"f": 1, "g": 4}
    assert order == ["f", "g"] + ["f", "g"] * 3  # one untimed warm-up call each, then turns


def test_several_calls_per_turn_and_no_warm_up():
    order = []
    functions = {"f": lambda: order.append("f"), "g": lambda: order.append("g")}
    clock = FakeClock([9, 8, 7, 6, 5, 4, 3, 2])
    best = fastest_in_turns(functions, rounds=2, calls=2, warmup=0, clock=clock)
    assert order == ["f", "f", "g", "g", "f", "f", "g", "g"] and best == {"f": 4, "g": 2}


def test_the_result_is_in_seconds_of_the_real_clock():
    best = fastest_in_turns({"nothing": lambda: None}, rounds=3)
    assert 0 <= best["nothing"] < 1  # a call that does nothing takes far less than a second on any machine


@pytest.mark.parametrize("functions, options", [
    ({}, {}), ({"f": 3}, {}), ([lambda: None], {}),
    ({"f": lambda: None}, {"rounds": 0}), ({"f": lambda: None}, {"calls": 0}),
    ({"f": lambda: None}, {"warmup": -1}), ({"f": lambda: None}, {"pause": -0.1}),
])
def test_bad_arguments_are_refused_with_a_clear_message(functions, options):
    with pytest.raises(ValueError, match="fastest_in_turns expects"):
        fastest_in_turns(functions, **options)
