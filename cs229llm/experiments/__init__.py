"""Experiments: wiring that turns the library's stages into runs, comparisons and benchmarks.

Everything here trains, times or compares; nothing below this layer imports it. The end-to-end
run and its report (:mod:`.run`, :mod:`.report`), small controlled runs (:mod:`.small_runs`), the
course's token data (:mod:`.course_data`), mixing-law proxy runs (:mod:`.mixing_runs`), annealing
arms (:mod:`.anneal`), planted contamination (:mod:`.contamination`), the master-weights
experiment (:mod:`.precision`) and whole training-step benchmarks (:mod:`.step_bench`).
"""
